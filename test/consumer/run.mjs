#!/usr/bin/env node
// The consumer tier: webtune as someone outside the monorepo gets it. Packs every package (each
// builds first, `prepack`), installs the tarballs into a fresh project in the temporary directory
// (npm, --prefer-offline: the registry only for what the cache lacks), then
//   - type-checks strict programs (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess,
//     skipLibCheck false) under nodenext and bundler resolution, one of them with the harness;
//   - runs them on Node, requires every entry from CommonJS and runs the installed `webtune --help`;
//   - bundles browser entries with Vite and esbuild and fails on any Node built-in in the output;
//   - measures install size (a package with everything it installs) and min+gzip bundle size per
//     entry and fails past the budgets in budget.json;
//   - clones the repository afresh, runs `npm ci` there and checks `npx webtune --help`.
// Usage: node test/consumer/run.mjs [--write-readme] [--keep] [--no-clone]
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const flags = new Set(process.argv.slice(2));
const PACKAGES = [
  'space',
  'core',
  'strategies',
  'gp',
  'analysis',
  'harness',
  'storage-postgres',
  'cli',
];
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dev = rootPkg.devDependencies;
const budget = JSON.parse(readFileSync(join(here, 'budget.json'), 'utf8'));

// The environment as started: Vite's build sets NODE_ENV=production in this process, which would
// make a later `npm ci` skip devDependencies.
const startEnv = { ...process.env };
const work = mkdtempSync(join(tmpdir(), 'webtune-consumer-'));
const app = join(work, 'app');
let passed = 0;
let failed = 0;
const t0 = Date.now();

function log(line) {
  process.stdout.write(`${line}\n`);
}

/** Runs `cmd` and returns its stdout; a non-zero exit throws with the tail of its output. */
function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...options,
    env: { ...startEnv, ...options.env },
  });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${out}`);
  }
  return r.stdout;
}

async function check(name, fn) {
  const start = Date.now();
  try {
    const detail = await fn();
    passed++;
    log(`ok ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failed++;
    log(`not ok ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    log(String(error?.stack ?? error).replace(/^/gm, '    '));
  }
}

function dirSize(dir, skipNodeModules = true) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (skipNodeModules && entry.name === 'node_modules') continue;
      total += dirSize(join(dir, entry.name), skipNodeModules);
    } else if (entry.isFile()) total += statSync(join(dir, entry.name)).size;
  }
  return total;
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
const MB = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const packed = {};
await check('pack every package (prepack builds dist/)', () => {
  sh(
    'npm',
    ['pack', '--silent', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])].concat([
      '--pack-destination',
      tarballs,
    ]),
    { cwd: root },
  );
  for (const p of PACKAGES) {
    const file = readdirSync(tarballs).find((f) => f.startsWith(`webtune-${p}-`));
    if (!file) throw new Error(`no tarball for @webtune/${p}`);
    const files = sh('tar', ['-tzf', join(tarballs, file)]).split('\n');
    for (const must of [
      'package/LICENSE',
      'package/README.md',
      'package/dist/index.js',
      'package/dist/index.d.ts',
    ]) {
      if (!files.includes(must)) throw new Error(`${file} lacks ${must}`);
    }
    packed[p] = { file, size: statSync(join(tarballs, file)).size };
  }
  return PACKAGES.map((p) => `${p} ${kB(packed[p].size)}`).join(', ');
});

// ---------------------------------------------------------------------------------------------
mkdirSync(app);
cpSync(join(here, 'fixtures'), app, { recursive: true });
writeFileSync(
  join(app, 'package.json'),
  `${JSON.stringify(
    {
      name: 'webtune-consumer',
      private: true,
      type: 'module',
      dependencies: {
        ...Object.fromEntries(
          PACKAGES.map((p) => [`@webtune/${p}`, `file:../tarballs/${packed[p]?.file}`]),
        ),
        // The harness's optional peers, for the browser bundle of the harness entry.
        '@tensorflow/tfjs-backend-wasm': '4.22.0',
        '@tensorflow/tfjs-backend-webgl': '4.22.0',
        '@tensorflow/tfjs-backend-webgpu': '4.22.0',
      },
      devDependencies: Object.fromEntries(
        ['typescript', 'vite', 'esbuild', '@types/node', '@webgpu/types'].map((n) => [n, dev[n]]),
      ),
    },
    null,
    2,
  )}\n`,
);

await check('install the tarballs in a fresh project outside the workspace', () => {
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
  });
  const lock = JSON.parse(readFileSync(join(app, 'node_modules/.package-lock.json'), 'utf8'));
  const installed = Object.keys(lock.packages);
  const typesNode = installed.filter((k) => k.endsWith('node_modules/@types/node'));
  const versions = typesNode.map((k) => `${k}@${lock.packages[k].version}`);
  if (typesNode.length !== 1 || lock.packages[typesNode[0]].version !== dev['@types/node']) {
    throw new Error(`@types/node other than the project's own: ${versions.join(', ')}`);
  }
  const heavy = installed.filter((k) =>
    /node_modules\/@tensorflow\/(tfjs|tfjs-data|tfjs-converter|tfjs-node)$/.test(k),
  );
  if (heavy.length > 0)
    throw new Error(`TF.js parts the harness does not use: ${heavy.join(', ')}`);
  return `${installed.length} packages, node_modules ${MB(dirSize(join(app, 'node_modules'), false))}`;
});

/** What installing one package brings: it, its dependencies and its required peers, transitively. */
function closure(name) {
  const lock = JSON.parse(readFileSync(join(app, 'node_modules/.package-lock.json'), 'utf8'));
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const meta = lock.packages[key];
    const optionalPeers = new Set(
      Object.entries(meta.peerDependenciesMeta ?? {})
        .filter(([, v]) => v.optional)
        .map(([k]) => k),
    );
    const deps = [
      ...Object.keys(meta.dependencies ?? {}),
      ...Object.keys(meta.peerDependencies ?? {}).filter((k) => !optionalPeers.has(k)),
    ];
    for (const dep of deps) {
      // Node's lookup: the nearest node_modules up from the package's own folder.
      let at = key;
      let found;
      for (;;) {
        const candidate = `${at}/node_modules/${dep}`;
        if (lock.packages[candidate]) {
          found = candidate;
          break;
        }
        const cut = at.lastIndexOf('/node_modules/');
        if (cut < 0) {
          if (lock.packages[`node_modules/${dep}`]) found = `node_modules/${dep}`;
          break;
        }
        at = at.slice(0, cut);
      }
      if (found) visit(found);
    }
  };
  visit(`node_modules/${name}`);
  let bytes = 0;
  for (const key of seen) bytes += dirSize(join(app, key));
  return { bytes, packages: seen.size };
}

const sizes = { install: {}, bundle: {} };
await check('install size of each package within budget', () => {
  const over = [];
  for (const p of PACKAGES) {
    const name = `@webtune/${p}`;
    const c = closure(name);
    sizes.install[name] = c;
    if (c.bytes > budget.install[name]) {
      over.push(`${name} ${MB(c.bytes)} > ${MB(budget.install[name])}`);
    }
  }
  if (over.length) throw new Error(`over budget: ${over.join('; ')}`);
  return PACKAGES.map((p) => `${p} ${MB(sizes.install[`@webtune/${p}`].bytes)}`).join(', ');
});

// ---------------------------------------------------------------------------------------------
const strict = {
  target: 'ES2022',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  verbatimModuleSyntax: true,
};
// Each package README's first example, as written (the cli's is a study module).
const README_EXAMPLES = ['space', 'core', 'strategies', 'gp', 'analysis', 'harness'];
function firstExample(dir, lang) {
  const text = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
  const m = text.match(new RegExp(`\\n\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\`\\n`));
  if (!m) throw new Error(`packages/${dir}/README.md has no \`\`\`${lang} example`);
  return `${m[1]}\n`;
}
for (const dir of README_EXAMPLES) {
  writeFileSync(join(app, `readme-${dir}.ts`), `${firstExample(dir, 'ts')}export {};\n`);
}
writeFileSync(join(app, 'study.mjs'), firstExample('cli', 'js'));

const programs = {
  'README examples; nodenext': {
    ...strict,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: ['node'],
    outDir: 'out/readme',
    files: README_EXAMPLES.map((dir) => `readme-${dir}.ts`),
  },
  'space, core, strategies, gp, analysis; nodenext': {
    ...strict,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: ['node'],
    outDir: 'out/lib',
    files: ['lib.ts'],
  },
  'the same and a browser entry with @webgpu/types; bundler': {
    ...strict,
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM'],
    types: ['node', '@webgpu/types'],
    noEmit: true,
    files: ['lib.ts', 'browser.ts'],
  },
  'harness; nodenext': {
    ...strict,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: ['node'],
    outDir: 'out/harness',
    files: ['harness.ts'],
  },
  'harness and browser entries, no Node types; bundler': {
    ...strict,
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM'],
    types: [],
    noEmit: true,
    files: ['harness-browser.ts', 'browser.ts'],
  },
};
for (const [name, { files, ...compilerOptions }] of Object.entries(programs)) {
  await check(`type-check strict: ${name}`, () => {
    const file = `tsconfig.${name.replace(/\W+/g, '-')}.json`;
    writeFileSync(join(app, file), JSON.stringify({ compilerOptions, files }, null, 2));
    sh(join(app, 'node_modules/.bin/tsc'), ['-p', file], { cwd: app });
  });
}

await check('run the strict program on Node', () => {
  const out = sh('node', ['out/lib/lib.js'], { cwd: app, env: { CONSUMER_TMP: work } });
  const r = JSON.parse(out.trim().split('\n').at(-1));
  if (r.trials !== 21 || r.stored !== 3 || r.backend !== 'cpu') throw new Error(out);
  return out.trim().split('\n').at(-1);
});
await check('run the harness program on Node (TF.js cpu backend)', () => {
  const out = sh('node', ['out/harness/harness.js'], { cwd: app });
  const r = JSON.parse(out.trim().split('\n').at(-1));
  if (r.backend !== 'cpu' || !(r.accuracy > 0)) throw new Error(out);
  return out.trim().split('\n').at(-1);
});
for (const dir of README_EXAMPLES) {
  await check(`packages/${dir}/README.md: the first example runs as written`, () => {
    const out = sh('node', [`out/readme/readme-${dir}.js`], { cwd: app, timeout: 240_000 });
    return out.trim().split('\n').at(-1)?.slice(0, 160);
  });
}
await check('packages/cli/README.md: its study module runs with npx webtune run', () => {
  const out = sh(
    'npx',
    [
      '--no-install',
      'webtune',
      'run',
      'study.mjs',
      '--strategy',
      'sobol',
      '--seed',
      '1',
      '--trials',
      '8',
    ],
    { cwd: app },
  );
  if (!out.includes('best trial')) throw new Error(out);
});
await check("require() every entry from CommonJS (the 'default' condition)", () =>
  sh('node', ['require.cjs'], { cwd: app }).trim(),
);
await check('npx webtune --help in the consumer project', () => {
  const out = sh('npx', ['--no-install', 'webtune', '--help'], { cwd: app });
  if (!out.includes('Usage: webtune')) throw new Error(out);
});

// ---------------------------------------------------------------------------------------------
const NODE_BUILTIN = new RegExp(
  String.raw`(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](node:[\w/]+|${builtinModules
    .filter((m) => !m.startsWith('_'))
    .map((m) => m.replace(/[/]/g, '\\/'))
    .join('|')})["']`,
  'g',
);

/** Fails when an output file imports a Node built-in or is one of gp's Node worker files. */
function noNodeIn(dir) {
  const found = [];
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  for (const f of files) {
    if (/score.*\.mjs$/.test(f)) found.push(`${relative(dir, f)} (gp's Node worker)`);
    if (!/\.(m?js)$/.test(f)) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(NODE_BUILTIN)) {
      found.push(`${relative(dir, f)}: ${m[0]}`);
    }
  }
  if (found.length) throw new Error(`Node in the browser output:\n${found.join('\n')}`);
  return files;
}

// TF.js's wasm backend (an optional peer the harness imports for an explicit 'wasm') carries
// Emscripten glue that names fs and worker_threads behind a Node check: TF.js's, left out here.
const WASM_BACKEND = ['@tensorflow/tfjs-backend-wasm'];
const esbuild = await import(pathToFileURL(join(app, 'node_modules/esbuild/lib/main.js')).href);
await check(
  'esbuild: bundle the browser entries (platform browser, no warnings, no Node)',
  async () => {
    const out = join(app, 'dist-esbuild');
    const result = await esbuild.build({
      absWorkingDir: app,
      entryPoints: ['browser.ts', 'harness-browser.ts'],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      outdir: out,
      loader: { '.gz': 'file', '.wasm': 'file' },
      external: WASM_BACKEND,
      logLevel: 'silent',
    });
    if (result.warnings.length) {
      const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
      throw new Error(text.join('\n'));
    }
    noNodeIn(out);
    return `browser.js ${kB(gzipSync(readFileSync(join(out, 'browser.js'))).length)} min+gzip`;
  },
);

await check('Vite: build the browser entries (no warnings, no Node)', async () => {
  const { build, createLogger } = await import(
    pathToFileURL(join(app, 'node_modules/vite/dist/node/index.js')).href
  );
  const warnings = [];
  const logger = createLogger('warn');
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  const out = join(app, 'dist-vite');
  await build({
    root: app,
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 4096,
      rollupOptions: {
        input: { browser: join(app, 'browser.html'), harness: join(app, 'harness.html') },
        external: WASM_BACKEND,
        onwarn: (w) => warnings.push(String(w.message ?? w)),
      },
    },
  });
  if (warnings.length) throw new Error(warnings.join('\n'));
  const files = noNodeIn(out);
  return `${files.length} files`;
});

await check('min+gzip size of each entry within budget (esbuild, TF.js external)', async () => {
  const over = [];
  for (const entry of Object.keys(budget.bundle)) {
    const r = await esbuild.build({
      absWorkingDir: app,
      stdin: { contents: `export * from '${entry}';`, resolveDir: app, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      external: ['@tensorflow/*'],
      loader: { '.gz': 'file' },
      outdir: join(app, 'dist-entry'),
      logLevel: 'silent',
    });
    const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
    const min = js.contents.length;
    const gz = gzipSync(js.contents, { level: 9 }).length;
    sizes.bundle[entry] = { min, gz };
    if (gz > budget.bundle[entry]) over.push(`${entry} ${kB(gz)} > ${kB(budget.bundle[entry])}`);
  }
  if (over.length) throw new Error(`over budget: ${over.join('; ')}`);
  return Object.entries(sizes.bundle)
    .map(([e, s]) => `${e} ${kB(s.gz)}`)
    .join(', ');
});

// ---------------------------------------------------------------------------------------------
if (!flags.has('--no-clone')) {
  await check('npx webtune --help right after npm ci in a fresh clone', () => {
    const clone = join(work, 'clone');
    const head = sh('git', ['rev-parse', 'HEAD'], { cwd: root }).trim();
    sh('git', ['clone', '--quiet', '--shared', '--no-checkout', root, clone]);
    sh('git', ['checkout', '--quiet', head], { cwd: clone });
    // Turbo's cache of this checkout, read only: a clone of the same commit builds from it.
    const common = resolve(
      root,
      sh('git', ['rev-parse', '--git-common-dir'], { cwd: root }).trim(),
    );
    const env = {
      TURBO_CACHE_DIR: join(dirname(common), '.turbo/cache'),
      TURBO_CACHE: 'local:r',
      TURBO_TELEMETRY_DISABLED: '1',
    };
    sh('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: clone,
      env,
    });
    const out = sh('npx', ['--no-install', 'webtune', '--help'], { cwd: clone });
    if (!out.includes('Usage: webtune')) throw new Error(out);
    return `at ${head.slice(0, 7)}`;
  });
}

// ---------------------------------------------------------------------------------------------
const table = [
  '| package | tarball | installs (with its dependencies and required peers) |',
  '|---|---:|---:|',
  ...PACKAGES.map((p) => {
    const name = `@webtune/${p}`;
    const i = sizes.install[name];
    return `| \`${name}\` | ${packed[p] ? kB(packed[p].size) : '?'} | ${i ? `${MB(i.bytes)} (${i.packages} packages; budget ${MB(budget.install[name])})` : '?'} |`;
  }),
  '',
  '| entry | min | min+gzip | budget (min+gzip) |',
  '|---|---:|---:|---:|',
  ...Object.entries(sizes.bundle).map(
    ([e, s]) => `| \`${e}\` | ${kB(s.min)} | ${kB(s.gz)} | ${kB(budget.bundle[e])} |`,
  ),
].join('\n');
log(`\n${table}\n`);
if (flags.has('--write-readme') && failed === 0) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const next = text.replace(
    /(<!-- consumer-sizes:start -->\n)[\s\S]*?(<!-- consumer-sizes:end -->)/,
    `$1${table}\n$2`,
  );
  writeFileSync(readme, next);
  log('README.md: sizes table written');
}
if (flags.has('--keep')) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
log(`consumer tier in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
log(`consumer: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
