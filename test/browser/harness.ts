import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

/*
 * The browser tests' page: bundled with vite, then served and opened with the shared Chromium
 * launch in ../support/chromium.mjs.
 */

export { CHROMIUM, CHROMIUM_ARGS, launch, serve } from '../support/chromium.mjs';

/** Builds `root/index.html` and its imports into a temporary folder. */
export async function bundle(root: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'webtune-page-'));
  await build({
    root,
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, sourcemap: true },
  });
  return outDir;
}
