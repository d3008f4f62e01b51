/** Worker-thread side of the two-thread Griffin-Lim: owns a slice of frames for one job at a time. */
import { parentPort } from 'node:worker_threads';
import { LocalSlice, type GlaWorkerMessage } from './griffin-lim.ts';

let slice: LocalSlice | undefined;

parentPort!.on('message', (msg: GlaWorkerMessage) => {
  try {
    let value: number | undefined;
    if (msg.type === 'init') {
      slice = new LocalSlice(msg);
      slice.init();
    } else if (msg.type === 'step') {
      slice!.step(msg.followMel);
    } else if (msg.type === 'grad') {
      value = slice!.grad();
    } else {
      slice = undefined;
    }
    parentPort!.postMessage({ ok: true, value });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
