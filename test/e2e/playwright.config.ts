import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the demo app in Debian's Chromium (never a downloaded browser). Run after
 * `turbo run build`: `npm run test:e2e -w @webtune/demo`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 240_000,
  reporter: [['list']],
  outputDir: '../../test-results/e2e',
});
