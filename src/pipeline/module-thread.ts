/**
 * Worker threads on the project's own modules. A thread starts without the loader its parent
 * used: from the compiled build (dist/, scripts/build.mjs) it runs the compiled sibling .js
 * directly; from the TypeScript sources it goes through worker-bootstrap.mjs, which registers
 * tsx's loader in the thread first (measured 0.3-1 s of the thread's start on a loaded machine).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** This module runs as compiled JavaScript (dist/), not through tsx. */
export const COMPILED = import.meta.url.endsWith('.js');

/**
 * @param entry the thread module as a .ts URL, `new URL('./x-thread.ts', import.meta.url)`;
 *   its workerData is `options.workerData` plus `entry` (used by the bootstrap).
 */
export function moduleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const data = { ...(options.workerData as object | undefined), entry: entry.href };
  if (COMPILED) return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), { ...options, workerData: data });
  return new Worker(new URL('./spectrogram/worker-bootstrap.mjs', import.meta.url), { ...options, workerData: data });
}
