#!/usr/bin/env node
// The `webtune` command. A committed file, so that npm links the bin when it installs the
// workspace, before anything is built; the command itself is dist/cli.js.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(
    'webtune: packages/cli/dist/cli.js is not built yet; run `npm run build` at the repository root',
  );
  process.exit(1);
}
await import(cli.href);
