import { createRequire } from 'node:module';

/**
 * This thread's id and whether it is the main thread, without importing
 * `worker_threads` (~3 ms with the streams it pulls in) in a main thread whose
 * script never does: a worker's bootstrap always loads it (checked on Node 20,
 * 22 and 24), so a thread where it is not loaded is the main one, id 0.
 */
export function currentThread(): { isMainThread: boolean; threadId: number } {
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  if (!loaded.includes('NativeModule worker_threads')) return MAIN_THREAD;
  const { isMainThread, threadId } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  return { isMainThread, threadId };
}

const MAIN_THREAD = { isMainThread: true, threadId: 0 } as const;
