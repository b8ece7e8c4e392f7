import type { Server } from 'node:http';
import type { BrowserContext } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export declare const CHROMIUM: string;

/** Headless, no sandbox, no network chatter, WebGPU on (SwiftShader where there is no GPU). */
export declare const CHROMIUM_ARGS: readonly string[];

/**
 * Serves the files under `dir` at `url` (`http://127.0.0.1:<free port>/`); a folder serves its
 * `index.html`, anything outside `dir` or missing is a 404. Close with `server.close()`.
 */
export declare function serve(dir: string): Promise<{ server: Server; url: string }>;

/**
 * Headless Chromium (`CHROMIUM`, `CHROMIUM_ARGS` then `args`) on a fresh temporary profile;
 * `viewport` defaults to Playwright's 1280×720. `close()` closes the browser and removes the profile.
 */
export declare function launch(options?: {
  args?: readonly string[];
  viewport?: { width: number; height: number };
}): Promise<{ context: BrowserContext; close: () => Promise<void> }>;
