/**
 * Checks an exported riffcord-small folder with onnxruntime-node: input/output names and shapes,
 * agreement with the PyTorch outputs export.py recorded, and the time of each network call.
 *
 *   npx tsx training/verify-onnx.ts [modelDir=models/riffcord-small] [ckptDir=data/checkpoints] [runs=20]
 *
 * Timings are medians over `runs` calls on the CPU execution provider; "prompt to image" adds one
 * text encoding of batch 2, `steps` UNet calls of batch 2 (classifier-free guidance) and one decode.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const dir = process.argv[2] ?? 'models/riffcord-small';
const ckpt = process.argv[3] ?? 'data/checkpoints';
const runs = Number(process.argv[4] ?? 20);
const ref = JSON.parse(readFileSync(join(ckpt, 'export_reference.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(dir, 'riffcord.json'), 'utf8'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function open(name: string) {
  const s = await ort.InferenceSession.create(join(dir, name, 'model.onnx'), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    graphOptimizationLevel: 'all',
  });
  console.log(`${name}: inputs ${s.inputNames.join(', ')} -> outputs ${s.outputNames.join(', ')}`);
  return s;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const text = await open('text_encoder');
const unet = await open('unet');
const venc = await open('vae_encoder');
const vdec = await open('vae_decoder');

const Z: number = manifest.latent.channels;
const ids = new ort.Tensor('int32', Int32Array.from(ref.input_ids.flat()), [2, 77]);
const te = (await text.run({ input_ids: ids })).last_hidden_state;
const D = te.dims[2];
const teData = te.data as Float32Array;
const sums = [0, 1].map((b) => teData.slice(b * 77 * D, (b + 1) * 77 * D).reduce((s, v) => s + v, 0));
console.log(`text_encoder: output [${te.dims}], sum diff vs torch ${maxAbsDiff(sums, ref.last_hidden_state_sum).toExponential(2)}`);

const feeds = {
  sample: new ort.Tensor('float32', Float32Array.from(ref.sample), [2, Z, 32, 32]),
  timestep: new ort.Tensor('float32', Float32Array.from(ref.timestep), [2]),
  encoder_hidden_states: te,
};
const out = (await unet.run(feeds)).out_sample;
console.log(`unet: output [${out.dims}], max abs diff vs torch ${maxAbsDiff(out.data as Float32Array, ref.out_sample).toExponential(2)}`);
const t1 = { ...feeds, timestep: new ort.Tensor('float32', Float32Array.from([ref.timestep[0]]), [1]) };
const out1 = (await unet.run(t1)).out_sample;
console.log(`unet: timestep of shape [1] broadcasts, max abs diff ${maxAbsDiff(out1.data as Float32Array, ref.out_sample).toExponential(2)}`);

const dec = (await vdec.run({ latent_sample: new ort.Tensor('float32', Float32Array.from(ref.latent), [1, Z, 32, 32]) })).sample;
console.log(`vae_decoder: output [${dec.dims}], max abs diff (first 64) ${maxAbsDiff(dec.data as Float32Array, ref.decoded_first).toExponential(2)}`);
const img = new Float32Array(readFileSync(join(ckpt, 'export_reference_image.f32')).buffer.slice(0));
const enc = (await venc.run({ sample: new ort.Tensor('float32', img, [1, 3, 256, 256]) })).latent_sample;
console.log(`vae_encoder: output [${enc.dims}], max abs diff (first 64) ${maxAbsDiff(enc.data as Float32Array, ref.encoded).toExponential(2)}`);

const steps: number = manifest.defaults.steps;
const tText = await timeIt(() => text.run({ input_ids: ids }));
const tUnet = await timeIt(() => unet.run(feeds));
const tDec = await timeIt(() => vdec.run({ latent_sample: new ort.Tensor('float32', Float32Array.from(ref.latent), [1, Z, 32, 32]) }));
console.log(`median ms: text encoder (batch 2) ${tText.toFixed(1)}, unet (batch 2) ${tUnet.toFixed(1)}, vae decoder ${tDec.toFixed(1)}`);
console.log(`prompt to image at ${steps} steps with guidance: ~${(tText + steps * tUnet + tDec).toFixed(0)} ms (network calls only)`);
