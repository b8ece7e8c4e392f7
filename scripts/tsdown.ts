/*
 * Build helpers shared by the packages' tsdown configs (build time only; nothing here is shipped).
 *
 * - webgpuTypesInModuleScope(): the published .d.ts files name WebGPU types (GPUDevice …) without
 *   putting `@webgpu/types` into a consumer's global scope, where it clashed with the copy TF.js
 *   brings (TS6200 / TS2717 under skipLibCheck false).
 * - browserStubs(): the `browser` build of a package, with Node-only modules swapped for stubs, so
 *   a bundler never sees `node:*`, the `webgpu` (Dawn) package or a Node worker file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Plugin } from 'rolldown';

const WEBGPU_REFERENCE = /^\/\/\/ <reference types="@webgpu\/types"[^>]*\/>\n/m;

/** Names `@webgpu/types` declares: interfaces with a global constructor, and type aliases (with their text). */
function webgpuGlobals(): { classes: Set<string>; aliases: Map<string, string> } {
  const require = createRequire(import.meta.url);
  const text = readFileSync(require.resolve('@webgpu/types/dist/index.d.ts'), 'utf8');
  const classes = new Set([...text.matchAll(/^declare var (GPU\w+): \{/gm)].map((m) => m[1]!));
  const aliases = new Map(
    [...text.matchAll(/^type (GPU\w+) =([^;]*);/gm)].map((m) => [
      m[1]!,
      `type ${m[1]} =${m[2]!.replace(/\s+/g, ' ')};`,
    ]),
  );
  return { classes, aliases };
}

/**
 * Replaces the `/// <reference types="@webgpu/types" />` of the emitted declarations by module-local
 * aliases of the WebGPU types they name: `GPUDevice` is the consumer's global `GPUDevice` where its
 * program has WebGPU types (`@webgpu/types` in `types`, or a lib that has them), else an opaque
 * branded object; string unions (`GPUPowerPreference`) are copied. Declarations naming a WebGPU type
 * that `@webgpu/types` does not declare fail the build.
 */
export function webgpuTypesInModuleScope(): Plugin {
  let globals: ReturnType<typeof webgpuGlobals> | undefined;
  return {
    name: 'webtune:webgpu-types-in-module-scope',
    renderChunk(code, chunk) {
      if (!chunk.fileName.endsWith('.d.ts')) return null;
      const used = new Set([...code.matchAll(/\bGPU[A-Z]\w*\b/g)].map((m) => m[0]));
      if (used.size === 0 && !WEBGPU_REFERENCE.test(code)) return null;
      globals ??= webgpuGlobals();
      const own = new Set(
        [
          ...code.matchAll(
            /\b(?:interface|type|class|function|const|let|var|enum)\s+(GPU\w+)|\bas\s+(GPU\w+)|[{,]\s*(?:type\s+)?(GPU\w+)\s*(?=[,}])/g,
          ),
        ].map((m) => m[1] ?? m[2] ?? m[3]!),
      );
      const lines: string[] = [];
      for (const name of [...used].sort()) {
        if (own.has(name)) continue;
        if (globals.classes.has(name)) {
          lines.push(
            `type ${name} = typeof globalThis extends { ${name}: { prototype: infer T } } ? T : { readonly __webgpu: '${name}: add "@webgpu/types" to compilerOptions.types to see its members' };`,
          );
        } else if (globals.aliases.has(name)) {
          lines.push(globals.aliases.get(name)!);
        } else {
          // A name that is neither ours nor WebGPU's: better a failed build than a broken .d.ts.
          this.error(`${chunk.fileName}: ${name} is not declared here nor in @webgpu/types`);
        }
      }
      const body = code.replace(WEBGPU_REFERENCE, '');
      if (lines.length === 0) return body;
      return `//#region WebGPU types, module-local (see scripts/tsdown.ts)\n${lines.join('\n')}\n//#endregion\n${body}`;
    },
  };
}

/**
 * Swaps modules in a browser build: `modules` maps a bare specifier (`node:fs/promises`) to the
 * source of a stub module; `files` maps a source file (relative to the package) to the file built in
 * its place; `replace` maps a source file to [text, replacement] pairs (for a dynamic import whose
 * specifier is a variable, which no resolver sees). A swap that never happens fails the build, so
 * a renamed file or changed line cannot silently bring the Node code back.
 */
export function browserStubs(
  root: string,
  {
    modules = {},
    files = {},
    replace = {},
  }: {
    modules?: Record<string, string>;
    files?: Record<string, string>;
    replace?: Record<string, [string, string][]>;
  },
): Plugin {
  const fileMap = new Map(
    Object.entries(files).map(([from, to]) => [resolve(root, from), resolve(root, to)]),
  );
  const replaceMap = new Map(
    Object.entries(replace).map(([file, pairs]) => [resolve(root, file), pairs]),
  );
  const hits = new Set<string>();
  const PREFIX = '\0webtune-stub:';
  return {
    name: 'webtune:browser-stubs',
    resolveId(source, importer) {
      if (Object.hasOwn(modules, source)) {
        hits.add(source);
        return PREFIX + source;
      }
      if (importer && source.startsWith('.')) {
        const target = resolve(importer, '..', source).replace(/\.js$/, '.ts');
        const swapped = fileMap.get(target);
        if (swapped) {
          hits.add(target);
          return swapped;
        }
      }
      return null;
    },
    load(id) {
      return id.startsWith(PREFIX) ? modules[id.slice(PREFIX.length)]! : null;
    },
    transform(code, id) {
      const pairs = replaceMap.get(id);
      if (!pairs) return null;
      let out = code;
      for (const [from, to] of pairs) {
        if (!out.includes(from)) this.error(`${id}: no "${from}" to replace in the browser build`);
        out = out.replaceAll(from, to);
      }
      hits.add(id);
      return out;
    },
    buildEnd() {
      const missed = [...Object.keys(modules), ...fileMap.keys(), ...replaceMap.keys()].filter(
        (k) => !hits.has(k),
      );
      if (missed.length > 0) this.error(`browser stubs never used: ${missed.join(', ')}`);
    },
  };
}
