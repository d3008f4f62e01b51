/**
 * One ONNX model file held as one onnxruntime session, with its input/output names, dtypes and
 * shapes read from the session's metadata. Float tensors cross the boundary as Float32Array and
 * are narrowed to / widened from float16 here when the model wants half precision.
 */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './errors.ts';
import { cachedGraph, cacheRootFromEnv } from './graph-cache.ts';
import { float16ToFloat32, float32ToFloat16 } from './fp16.ts';

export type Dim = number | string;
export interface PortSpec {
  name: string;
  /** onnxruntime type name: float32, float16, int64, int32, ... */
  type: string;
  /** Declared dims; strings are symbolic (dynamic) axes. */
  shape: readonly Dim[];
}

export type ExecutionProvider = 'cpu' | 'cuda';

export interface RuntimeOptions {
  executionProvider: ExecutionProvider;
  intraOpNumThreads: number;
  /** Folder of the optimised-graph cache (graph-cache.ts); null: optimise at every load. */
  cacheDir: string | null;
}

/** Runtime settings from RIFFCORD_EXECUTION_PROVIDER / RIFFCORD_ORT_THREADS / RIFFCORD_CACHE_DIR, overridable. */
export function runtimeOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RuntimeOptions> = {},
): RuntimeOptions {
  const epRaw = (overrides.executionProvider ?? env.RIFFCORD_EXECUTION_PROVIDER ?? 'cpu').toLowerCase();
  if (epRaw !== 'cpu' && epRaw !== 'cuda') {
    throw new ModelLoadError(`RIFFCORD_EXECUTION_PROVIDER must be "cpu" or "cuda", got "${epRaw}"`);
  }
  let threads = overrides.intraOpNumThreads;
  if (threads === undefined && env.RIFFCORD_ORT_THREADS !== undefined && env.RIFFCORD_ORT_THREADS !== '') {
    threads = Number(env.RIFFCORD_ORT_THREADS);
  }
  threads ??= availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new ModelLoadError(`RIFFCORD_ORT_THREADS must be a whole number from 1 to 256, got "${String(threads)}"`);
  }
  const cacheDir = overrides.cacheDir !== undefined ? overrides.cacheDir : cacheRootFromEnv(env);
  return { executionProvider: epRaw, intraOpNumThreads: threads, cacheDir };
}

/** True when onnxruntime-node's CUDA provider libraries are installed next to its binding. */
export function cudaProviderInstalled(): boolean {
  try {
    const pkgDir = dirname(dirname(new URL(import.meta.resolve('onnxruntime-node')).pathname));
    const binRoot = join(pkgDir, 'bin');
    const stack = [binRoot];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) stack.push(join(dir, entry.name));
        else if (entry.name.startsWith('libonnxruntime_providers_cuda')) return true;
      }
    }
  } catch {
    return false;
  }
  return false;
}

export class OnnxModel {
  private constructor(
    readonly label: string,
    readonly path: string,
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly PortSpec[],
    readonly outputs: readonly PortSpec[],
  ) {}

  static async load(path: string, label: string, runtime: RuntimeOptions): Promise<OnnxModel> {
    if (!existsSync(path)) {
      throw new ModelLoadError(`${label}: ${path} is missing; the model folder needs ${label}/model.onnx from an SD ONNX export`);
    }
    if (runtime.executionProvider === 'cuda' && !cudaProviderInstalled()) {
      throw new ModelLoadError(
        'RIFFCORD_EXECUTION_PROVIDER=cuda but onnxruntime-node has no CUDA provider installed; ' +
          'see models/README.md ("GPU") to install it, or unset RIFFCORD_EXECUTION_PROVIDER to use the CPU',
      );
    }
    let session: ort.InferenceSession;
    try {
      session = await createSession(path, runtime);
    } catch (e) {
      throw new ModelLoadError(
        `${label}: onnxruntime cannot load ${path} (${firstLine(e)}); the file is corrupt or incomplete: re-export or re-download it`,
      );
    }
    const ports = (meta: readonly ort.InferenceSession.ValueMetadata[]): PortSpec[] =>
      meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }));
    return new OnnxModel(label, path, session, ports(session.inputMetadata), ports(session.outputMetadata));
  }

  /** The input called one of `names` (first match), or an error listing what the model has. */
  input(...names: string[]): PortSpec {
    return pick(this.label, 'input', this.inputs, names);
  }

  output(...names: string[]): PortSpec {
    return pick(this.label, 'output', this.outputs, names);
  }

  hasOutput(name: string): boolean {
    return this.outputs.some((o) => o.name === name);
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    try {
      return (await this.session.run(feeds)) as Record<string, ort.Tensor>;
    } catch (e) {
      const shapes = Object.entries(feeds)
        .map(([k, t]) => `${k}:${t.type}[${t.dims.join(',')}]`)
        .join(' ');
      throw new ModelLoadError(`${this.label}: inference failed with inputs ${shapes}: ${firstLine(e)}`);
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A session on `path`, from the optimised-graph cache when it holds this file's graph (loaded with
 * optimisation off), else optimised now and saved there for the next process.
 */
async function createSession(path: string, runtime: RuntimeOptions): Promise<ort.InferenceSession> {
  const options = (level: ort.InferenceSession.SessionOptions['graphOptimizationLevel']): ort.InferenceSession.SessionOptions => ({
    executionProviders: [runtime.executionProvider],
    intraOpNumThreads: runtime.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: level,
  });
  // CPU only: a graph optimised for CUDA holds provider-assigned kernels that are not meant to be saved.
  const cached = runtime.cacheDir === null || runtime.executionProvider !== 'cpu' ? null : cachedGraph(runtime.cacheDir, path, runtime.executionProvider);
  if (!cached) return ort.InferenceSession.create(path, options('all'));
  if (existsSync(cached.path)) {
    try {
      return await ort.InferenceSession.create(cached.path, options('disabled'));
    } catch {
      // unreadable (truncated by a full disk, say): optimise again and replace it below
    }
  }
  return cached.optimiseInto((extra) => ort.InferenceSession.create(path, { ...options('all'), ...extra }));
}

function pick(label: string, kind: string, ports: readonly PortSpec[], names: string[]): PortSpec {
  const found = names.map((n) => ports.find((p) => p.name === n)).find((p) => p !== undefined);
  if (found) return found;
  throw new ModelLoadError(
    `${label}: no ${kind} named ${names.map((n) => `"${n}"`).join(' or ')}; the model has ${ports
      .map((p) => `"${p.name}"`)
      .join(', ')}. Export it with diffusers/optimum so the SD names are kept`,
  );
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 300);
}

/** A float tensor of the port's dtype (float32 or float16) from float32 data. */
export function floatTensor(port: PortSpec, data: Float32Array, dims: readonly number[]): ort.Tensor {
  if (port.type === 'float32') return new ort.Tensor('float32', data, dims);
  if (port.type === 'float16') return new ort.Tensor('float16', float32ToFloat16(data), dims);
  throw new ModelLoadError(`input "${port.name}" has dtype ${port.type}; riffcord supports float32 and float16 models`);
}

/** Float32 copy of a float32 or float16 output tensor. */
export function floatData(t: ort.Tensor, what: string): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const d = t.data as unknown;
    if (d instanceof Uint16Array) return float16ToFloat32(d);
    return Float32Array.from(d as ArrayLike<number>);
  }
  throw new ModelLoadError(`${what} has dtype ${t.type}; riffcord supports float32 and float16 models`);
}

/** An integer (or float) tensor holding `values` in the port's dtype. */
export function numericTensor(port: PortSpec, values: readonly number[], dims: readonly number[]): ort.Tensor {
  switch (port.type) {
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims);
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case 'float16':
      return new ort.Tensor('float16', float32ToFloat16(Float32Array.from(values)), dims);
    default:
      throw new ModelLoadError(`input "${port.name}" has dtype ${port.type}; expected int64, int32, float32 or float16`);
  }
}
