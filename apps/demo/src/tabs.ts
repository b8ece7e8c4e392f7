/*
 * Several tabs of the demo share one IndexedDB, and core's indexedDBStorage allows one writer per
 * study. A tab owns a study while it holds its Web Lock (released by the browser when the tab
 * closes or crashes); other tabs see the lock held and show the study as running elsewhere. Tabs
 * tell each other on a BroadcastChannel when a stored study changed, so every tab's list stays
 * current.
 */

const LOCK_PREFIX = 'webtune-demo-study:';
const CHANNEL = 'webtune-demo';

/** What one tab tells the others. */
export type TabMessage =
  /** Study `name` gained or lost trials, started or stopped running, or was discarded. */
  { type: 'changed'; name: string };

/**
 * Takes study `name` for this tab if no tab holds it: resolves to the function that gives it
 * back (resolving once the browser has released it), or null when a tab (this one included)
 * holds it.
 */
export function claimStudy(name: string): Promise<(() => Promise<void>) | null> {
  return new Promise((resolve, reject) => {
    let held: Promise<unknown> = Promise.resolve();
    held = navigator.locks.request(LOCK_PREFIX + name, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      return new Promise<void>((release) =>
        resolve(async () => {
          release();
          await held;
        }),
      );
    });
    held.catch(reject);
  });
}

/** The studies some tab of this origin holds now (this one's included). */
export async function heldStudies(): Promise<Set<string>> {
  const { held = [] } = await navigator.locks.query();
  return new Set(
    held
      .map((l) => l.name ?? '')
      .filter((n) => n.startsWith(LOCK_PREFIX))
      .map((n) => n.slice(LOCK_PREFIX.length)),
  );
}

/** Opens the channel to the demo's other tabs; `onMessage` hears them (never this tab). */
export function openChannel(onMessage: (m: TabMessage) => void): {
  post: (m: TabMessage) => void;
} {
  if (typeof BroadcastChannel === 'undefined') return { post: () => {} };
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<TabMessage>) => onMessage(event.data);
  return { post: (m) => channel.postMessage(m) };
}
