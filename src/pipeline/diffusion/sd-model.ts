/**
 * A loaded Stable Diffusion 1.x ONNX model: its four sessions and tokenizer, each held once, with
 * the tensor plumbing (names, dtypes, batch handling) worked out from session metadata at load.
 */
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from './errors.ts';
import type { ModelManifest } from './manifest.ts';
import { readModelDir, type ModelDir } from './model-dir.ts';
import { OnnxModel, floatData, floatTensor, numericTensor, type PortSpec, type RuntimeOptions } from './session.ts';
import { ClipTokenizer, loadClipTokenizer } from './tokenizer.ts';

export interface LatentShape {
  channels: number;
  height: number;
  width: number;
}

interface Ports {
  ids: PortSpec;
  hidden: PortSpec;
  sample: PortSpec;
  timestep: PortSpec;
  context: PortSpec;
  noisePred: PortSpec;
  decIn: PortSpec;
  decOut: PortSpec;
  encIn: PortSpec;
  encOut: PortSpec;
}

export class SdModel {
  readonly latent: LatentShape;
  /** Whether one UNet call may carry the unconditional and conditional halves together. */
  readonly unetBatches: boolean;
  readonly textBatches: boolean;

  private constructor(
    readonly files: ModelDir,
    readonly tokenizer: ClipTokenizer,
    private readonly textEncoder: OnnxModel,
    private readonly unetModel: OnnxModel,
    private readonly vaeEncoder: OnnxModel,
    private readonly vaeDecoder: OnnxModel,
    private readonly ports: Ports,
  ) {
    const m = files.manifest;
    this.latent = {
      channels: m.latent.channels,
      height: m.image.height / m.latent.downsample,
      width: m.image.width / m.latent.downsample,
    };
    this.unetBatches = typeof ports.sample.shape[0] === 'string';
    this.textBatches = typeof ports.ids.shape[0] === 'string';
  }

  get manifest(): ModelManifest {
    return this.files.manifest;
  }

  get latentSize(): number {
    return this.latent.channels * this.latent.height * this.latent.width;
  }

  static async load(dir: string, runtime: RuntimeOptions): Promise<SdModel> {
    const files = readModelDir(dir);
    const tokenizer = loadClipTokenizer(join(dir, 'tokenizer'));
    const sessions: OnnxModel[] = [];
    try {
      for (const c of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const) {
        sessions.push(await OnnxModel.load(join(dir, c, 'model.onnx'), c, runtime));
      }
      const [te, unet, ve, vd] = sessions;
      const ports = checkPorts(files.manifest, te, unet, ve, vd);
      return new SdModel(files, tokenizer, te, unet, ve, vd, ports);
    } catch (e) {
      await Promise.all(sessions.map((s) => s.close()));
      throw e;
    }
  }

  get hiddenSize(): number {
    return this.ports.hidden.shape[2] as number;
  }

  /** Text encoder last_hidden_state for each id row: [rows, tokens, hidden] flattened. */
  async encodeTokens(rows: number[][]): Promise<Float32Array[]> {
    const tokens = this.manifest.maxTokens;
    const run = async (batch: number[][]): Promise<Float32Array[]> => {
      const flat = batch.flat();
      const out = await this.textEncoder.run({
        [this.ports.ids.name]: numericTensor(this.ports.ids, flat, [batch.length, tokens]),
      });
      const data = floatData(out[this.ports.hidden.name], 'text_encoder output');
      const per = data.length / batch.length;
      return batch.map((_, i) => data.slice(i * per, (i + 1) * per));
    };
    if (this.textBatches) return run(rows);
    const out: Float32Array[] = [];
    for (const r of rows) out.push(...(await run([r])));
    return out;
  }

  /**
   * Noise prediction for `latents` (one or more samples of latentSize each) at timestep `t`, with
   * `contexts` holding one text embedding per sample.
   */
  async unet(latents: Float32Array[], t: number, contexts: Float32Array[]): Promise<Float32Array[]> {
    const { channels, height, width } = this.latent;
    const size = this.latentSize;
    const run = async (ls: Float32Array[], cs: Float32Array[]): Promise<Float32Array[]> => {
      const n = ls.length;
      const sample = new Float32Array(n * size);
      ls.forEach((l, i) => sample.set(l, i * size));
      const ctxLen = cs[0].length;
      const context = new Float32Array(n * ctxLen);
      cs.forEach((c, i) => context.set(c, i * ctxLen));
      const feeds: Record<string, ort.Tensor> = {
        [this.ports.sample.name]: floatTensor(this.ports.sample, sample, [n, channels, height, width]),
        [this.ports.timestep.name]: timestepTensor(this.ports.timestep, t, n),
        [this.ports.context.name]: floatTensor(this.ports.context, context, [n, this.manifest.maxTokens, ctxLen / this.manifest.maxTokens]),
      };
      const out = floatData((await this.unetModel.run(feeds))[this.ports.noisePred.name], 'unet output');
      return ls.map((_, i) => out.slice(i * size, (i + 1) * size));
    };
    if (this.unetBatches) return run(latents, contexts);
    const preds: Float32Array[] = [];
    for (let i = 0; i < latents.length; i++) preds.push(...(await run([latents[i]], [contexts[i]])));
    return preds;
  }

  /** VAE decoder: unscaled latents -> image CHW in roughly [-1, 1]. */
  async decode(latents: Float32Array): Promise<Float32Array> {
    const { channels, height, width } = this.latent;
    const out = await this.vaeDecoder.run({
      [this.ports.decIn.name]: floatTensor(this.ports.decIn, latents, [1, channels, height, width]),
    });
    return floatData(out[this.ports.decOut.name], 'vae_decoder output');
  }

  /** VAE encoder: image CHW in [-1, 1] -> latent mean (unscaled). */
  async encode(image: Float32Array): Promise<Float32Array> {
    const { width, height } = this.manifest.image;
    const out = await this.vaeEncoder.run({
      [this.ports.encIn.name]: floatTensor(this.ports.encIn, image, [1, 3, height, width]),
    });
    const data = floatData(out[this.ports.encOut.name], 'vae_encoder output');
    // latent_parameters / latent_dist hold mean then logvar along channels: keep the mean half.
    return data.length === 2 * this.latentSize ? data.slice(0, this.latentSize) : data;
  }

  async close(): Promise<void> {
    await Promise.all([this.textEncoder, this.unetModel, this.vaeEncoder, this.vaeDecoder].map((s) => s.close()));
  }
}

function timestepTensor(port: PortSpec, t: number, batch: number): ort.Tensor {
  if (port.shape.length === 0) return numericTensor(port, [t], []);
  const d = port.shape[0];
  const n = typeof d === 'number' ? d : batch;
  return numericTensor(port, new Array<number>(n).fill(t), [n]);
}

/** Checks every port the pipeline uses against the manifest; throws naming the mismatch. */
function checkPorts(m: ModelManifest, te: OnnxModel, unet: OnnxModel, ve: OnnxModel, vd: OnnxModel): Ports {
  const lh = m.image.height / m.latent.downsample;
  const lw = m.image.width / m.latent.downsample;
  const C = m.latent.channels;
  const floats = ['float32', 'float16'];
  const fail = (model: OnnxModel, port: PortSpec, what: string): never => {
    throw new ModelLoadError(
      `${model.label}: ${port.name} is ${port.type}[${port.shape.join(',')}] but ${what}; the model does not match riffcord.json ` +
        `(image ${m.image.width}x${m.image.height}, latent ${C}x${lh}x${lw}, ${m.maxTokens} tokens): fix riffcord.json or re-export the model`,
    );
  };
  const expect = (model: OnnxModel, port: PortSpec, types: string[], dims: Array<number | null>): void => {
    if (!types.includes(port.type)) fail(model, port, `riffcord needs ${types.join(' or ')}`);
    if (port.shape.length !== dims.length) fail(model, port, `riffcord needs rank ${dims.length}`);
    dims.forEach((want, i) => {
      const have = port.shape[i];
      if (want !== null && typeof have === 'number' && have !== want) fail(model, port, `axis ${i} must be ${want}`);
    });
  };
  const batchOk = (model: OnnxModel, port: PortSpec): void => {
    const b = port.shape[0];
    if (typeof b === 'number' && b !== 1) fail(model, port, 'the batch axis must be dynamic or 1');
  };

  const ids = te.input('input_ids');
  expect(te, ids, ['int64', 'int32'], [null, m.maxTokens]);
  batchOk(te, ids);
  const hidden = te.output('last_hidden_state');
  expect(te, hidden, floats, [null, m.maxTokens, null]);
  if (typeof hidden.shape[2] !== 'number') fail(te, hidden, 'its hidden size (axis 2) must be fixed');

  const sample = unet.input('sample');
  expect(unet, sample, floats, [null, C, lh, lw]);
  batchOk(unet, sample);
  const timestep = unet.input('timestep');
  if (!['int64', 'int32', 'float32', 'float16'].includes(timestep.type) || timestep.shape.length > 1) {
    fail(unet, timestep, 'riffcord needs a scalar or [batch] int64/int32/float32/float16 timestep');
  }
  const context = unet.input('encoder_hidden_states');
  expect(unet, context, floats, [null, null, hidden.shape[2] as number]);
  const noisePred = unet.output('out_sample');
  expect(unet, noisePred, floats, [null, C, lh, lw]);

  const decIn = vd.input('latent_sample');
  expect(vd, decIn, floats, [null, C, lh, lw]);
  const decOut = vd.output('sample');
  expect(vd, decOut, floats, [null, 3, m.image.height, m.image.width]);

  const encIn = ve.input('sample');
  expect(ve, encIn, floats, [null, 3, m.image.height, m.image.width]);
  const encOut = ve.output('latent_sample', 'latent_parameters', 'latent_dist');
  if (!floats.includes(encOut.type) || encOut.shape.length !== 4) fail(ve, encOut, 'riffcord needs a float rank-4 tensor');
  const ch = encOut.shape[1];
  if (typeof ch === 'number' && ch !== C && ch !== 2 * C) {
    fail(ve, encOut, `its channels must be ${C} (latents) or ${2 * C} (mean and logvar)`);
  }
  return { ids, hidden, sample, timestep, context, noisePred, decIn, decOut, encIn, encOut };
}
