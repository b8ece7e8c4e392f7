import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigitsSync } from './node.js';

const CHROMIUM = '/usr/bin/chromium';
const fixture = fileURLToPath(new URL('../browser/', import.meta.url));
const builtEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(builtEntry))(
  'in Chromium (the built package bundled by Vite)',
  () => {
    let out: string;
    let profile: string;
    let server: Server;
    let origin: string;
    let context: import('playwright-core').BrowserContext;

    beforeAll(async () => {
      out = mkdtempSync(join(tmpdir(), 'harness-browser-'));
      profile = mkdtempSync(join(tmpdir(), 'harness-profile-'));
      const { build } = await import('vite');
      await build({ root: fixture, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      const types: Record<string, string> = {
        '.html': 'text/html',
        '.js': 'text/javascript',
        '.gz': 'application/gzip',
      };
      server = createServer((req, res) => {
        const path = normalize(join(out, new URL(req.url ?? '/', 'http://x').pathname));
        const file = path.endsWith('/') ? join(path, 'index.html') : path;
        if (!file.startsWith(out) || !existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const { chromium } = await import('playwright-core');
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: [
          '--headless=new',
          '--no-sandbox',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--enable-unsafe-webgpu',
        ],
      });
    }, 180_000);

    afterAll(async () => {
      await context?.close();
      server?.close();
      for (const dir of [out, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.each(['webgpu', 'cpu'] as const)(
      'loads the shipped digits and trains on %s without leaks',
      async (backend) => {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${origin}/`);
        await page.waitForFunction(() => (window as { harnessReady?: boolean }).harnessReady);
        const r = await page.evaluate(
          (b) =>
            (
              window as unknown as { runHarness: (b: string) => Promise<Record<string, unknown>> }
            ).runHarness(b),
          backend,
        );
        const node = loadDigitsSync();
        expect(r).toMatchObject({
          used: backend,
          size: node.size,
          firstLabels: Array.from(node.labels.slice(0, 5)),
          leaked: 0,
          hasDevice: backend === 'webgpu',
        });
        expect(r.valAccuracy as number).toBeGreaterThan(0.5);
        expect(errors).toEqual([]);
        await page.close();
      },
      180_000,
    );
  },
);
