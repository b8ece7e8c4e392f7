import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

/** Relative modules `file` imports statically (`import … from './x.js'`). */
function staticImports(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

describe('the main entry', () => {
  it('imports no node: module on any static path, so browsers can load it', () => {
    const seen = new Set<string>();
    const queue = ['index.ts'];
    const nodeImports: string[] = [];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith('node:')) nodeImports.push(`${file} → ${spec}`);
        else if (spec.startsWith('./')) queue.push(spec.slice(2).replace(/\.js$/, '.ts'));
      }
    }
    expect(seen.has('objective.ts')).toBe(true);
    expect(seen.has('node.ts')).toBe(false);
    expect(nodeImports).toEqual([]);
    expect(staticImports('node.ts')).toContain('node:zlib');
  });
});
