/** Worker-thread side of the two-thread Griffin-Lim: owns a slice of frames for one job at a time. */
import { parentPort } from 'node:worker_threads';
import { GlaSlice } from './gla-slice.ts';
import { stftPlan } from './stft.ts';
import type { GlaWorkerMessage } from './griffin-lim.ts';

let slice: GlaSlice | undefined;
let signal: Float64Array | undefined;
let ola: Float64Array | undefined;
let melTarget: Float32Array | undefined;

parentPort!.on('message', (msg: GlaWorkerMessage) => {
  try {
    if (msg.type === 'init') {
      const plan = stftPlan(msg.params, msg.maxBin);
      signal = new Float64Array(msg.signal);
      ola = new Float64Array(msg.ola);
      slice = new GlaSlice(plan, msg.t0, msg.t1, new Float32Array(msg.mags), msg.signalLength, msg.momentum);
      slice.setPhase(new Float32Array(msg.phase));
      melTarget = msg.melTarget ? new Float32Array(msg.melTarget) : undefined;
      slice.synthesize(ola);
    } else if (msg.type === 'step') {
      if (msg.followMel && melTarget) slice!.followMel(melTarget);
      slice!.analyze(signal!);
      slice!.synthesize(ola!);
    } else {
      slice = undefined;
      signal = undefined;
      ola = undefined;
      melTarget = undefined;
    }
    parentPort!.postMessage({ ok: true });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
