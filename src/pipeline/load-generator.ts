/**
 * Resolves a model id or folder to a loaded DiffusionGenerator.
 * Order: an existing directory path; else an id looked up in RIFFCORD_MODELS_DIR, then models/.
 * No id means RIFFCORD_MODEL, else the embedded default "riffcord-small".
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from './diffusion/errors.ts';
import { DiffusionGenerator, type DiffusionGeneratorOptions } from './diffusion/generator.ts';
import { SdModel } from './diffusion/sd-model.ts';
import { runtimeOptionsFromEnv, type RuntimeOptions } from './diffusion/session.ts';
import { DEFAULT_MODEL_ID, isModelId } from './model-id.ts';
import { startAudioWorker } from './spectrogram/griffin-lim.ts';

export const BUNDLED_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models');

export interface LoadGeneratorOptions extends DiffusionGeneratorOptions {
  runtime?: Partial<RuntimeOptions>;
  env?: NodeJS.ProcessEnv;
}

/** Folders searched for model ids, in order. */
export function modelSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.RIFFCORD_MODELS_DIR) dirs.push(resolve(env.RIFFCORD_MODELS_DIR));
  dirs.push(BUNDLED_MODELS_DIR);
  return dirs;
}

export function resolveModelDir(
  modelIdOrDir?: string,
  env: NodeJS.ProcessEnv = process.env,
  searched: string[] = modelSearchDirs(env),
): string {
  const wanted = modelIdOrDir ?? env.RIFFCORD_MODEL ?? DEFAULT_MODEL_ID;
  if (wanted.includes('/') || wanted.includes('\\') || wanted.startsWith('.')) {
    const dir = resolve(wanted);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new ModelLoadError(`model folder ${dir} does not exist; check the path or see models/README.md`);
    }
    return dir;
  }
  if (!isModelId(wanted)) {
    throw new ModelLoadError(`model id "${wanted}" is not valid; ids are letters, digits, ".", "_" and "-"`);
  }
  for (const base of searched) {
    const dir = join(base, wanted);
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  }
  const hint =
    wanted === DEFAULT_MODEL_ID
      ? ` The default model "${DEFAULT_MODEL_ID}" is not installed yet: put it in models/${DEFAULT_MODEL_ID}/, or pick another with --model / RIFFCORD_MODEL.`
      : '';
  throw new ModelLoadError(
    `model "${wanted}" not found in ${searched.join(', ')}.${hint} Run "riffcord models list" to see installed models; models/README.md explains how to add one`,
  );
}

/** Model folders found in the search dirs (any folder with a model_index.json). */
export function listModelDirs(env: NodeJS.ProcessEnv = process.env): Array<{ id: string; dir: string }> {
  const seen = new Set<string>();
  const out: Array<{ id: string; dir: string }> = [];
  for (const base of modelSearchDirs(env)) {
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory() || seen.has(entry.name)) continue;
      const dir = join(base, entry.name);
      if (!existsSync(join(dir, 'model_index.json'))) continue;
      seen.add(entry.name);
      out.push({ id: entry.name, dir });
    }
  }
  return out;
}

/** Loaded models by folder and runtime settings: each model's sessions exist once per process. */
const loaded = new Map<string, { model: Promise<SdModel>; users: number }>();

export async function loadGenerator(modelIdOrDir: string | undefined, options: LoadGeneratorOptions): Promise<DiffusionGenerator> {
  const env = options.env ?? process.env;
  const dir = resolveModelDir(modelIdOrDir, env);
  startAudioWorker();
  const runtime = runtimeOptionsFromEnv(env, options.runtime ?? {});
  const key = `${dir}\0${runtime.executionProvider}\0${runtime.intraOpNumThreads}`;
  let entry = loaded.get(key);
  if (!entry) {
    entry = { model: SdModel.load(dir, runtime), users: 0 };
    loaded.set(key, entry);
  }
  entry.users++;
  let model: SdModel;
  try {
    model = await entry.model;
  } catch (e) {
    if (loaded.get(key) === entry) loaded.delete(key);
    throw e;
  }
  const held = entry;
  let released = false;
  return new DiffusionGenerator(model, options, async () => {
    if (released) return;
    released = true;
    held.users--;
    if (held.users === 0) {
      if (loaded.get(key) === held) loaded.delete(key);
      await model.close();
    }
  });
}
