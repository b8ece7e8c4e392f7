import { defineConfig } from '@playwright/test';

/** Browser tests: `npx playwright test -c test/browser` (Chromium at /usr/bin/chromium). */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  reporter: [['list']],
  outputDir: '../../test-results/browser',
});
