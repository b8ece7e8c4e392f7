import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const built = join(packageRoot, 'dist/index.d.ts');

// The built declarations name WebGPU types (GPUDevice, GPUPowerPreference): a consumer that has no
// `@webgpu/types` of its own and checks libraries (skipLibCheck false) must still compile them.
describe.skipIf(!existsSync(built))('the built declarations (dist, from `npm run build`)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-consumer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-check in a consumer with skipLibCheck false and no WebGPU types of its own', () => {
    mkdirSync(join(dir, 'node_modules/@webtune'), { recursive: true });
    symlinkSync(packageRoot, join(dir, 'node_modules/@webtune/gp'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const main = join(dir, 'main.ts');
    writeFileSync(
      main,
      [
        "import { createSurrogateBackend, fitGP } from '@webtune/gp';",
        "import * as webgpu from '@webtune/gp/webgpu';",
        'export const used = [createSurrogateBackend, fitGP, webgpu];',
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([main], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map(
        (d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(errors).toEqual([]);
  }, 60_000);
});
