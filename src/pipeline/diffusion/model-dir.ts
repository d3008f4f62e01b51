/**
 * Reads the static parts of a model folder in the diffusers/optimum SD ONNX layout: which files
 * must be there, model_index.json, scheduler/scheduler_config.json and the optional riffcord.json
 * manifest (merged over SD 1.x defaults).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isModelId } from '../model-id.ts';
import { ModelLoadError } from './errors.ts';
import { loadLexicon, type Lexicon } from './lexicon.ts';
import { SD15_MANIFEST_DEFAULTS, type ModelManifest } from './manifest.ts';
import type { RawSchedulerConfig } from './schedulers/types.ts';
import { SCHEDULER_NAMES } from './schedulers/types.ts';

export const COMPONENTS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;
export type Component = (typeof COMPONENTS)[number];

export const REQUIRED_FILES = [
  'model_index.json',
  ...COMPONENTS.map((c) => `${c}/model.onnx`),
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'scheduler/scheduler_config.json',
] as const;

export interface ModelDir {
  dir: string;
  manifest: ModelManifest;
  schedulerConfig: RawSchedulerConfig;
  modelIndex: Record<string, unknown>;
  /** The prompt lexicon of a closed-vocabulary model (lexicon.json); absent for open ones. */
  lexicon?: Lexicon;
}

/** Every problem with the folder's files, as readable lines (empty when complete). */
export function missingFiles(dir: string): string[] {
  const problems: string[] = [];
  for (const f of REQUIRED_FILES) {
    const p = join(dir, f);
    if (!existsSync(p)) problems.push(`missing ${f}`);
    else if (statSync(p).size === 0) problems.push(`${f} is empty`);
  }
  return problems;
}

export function readModelDir(dir: string): ModelDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelLoadError(`model folder ${dir} does not exist; see models/README.md to obtain and convert a model`);
  }
  const problems = missingFiles(dir);
  if (problems.length > 0) {
    throw new ModelLoadError(
      `model folder ${dir} is incomplete (${problems.join('; ')}); it needs the SD ONNX layout (optimum-cli export onnx --task text-to-image), see models/README.md`,
    );
  }
  const modelIndex = readJson(join(dir, 'model_index.json')) as Record<string, unknown>;
  const schedulerConfig = readJson(join(dir, 'scheduler', 'scheduler_config.json')) as RawSchedulerConfig;
  const manifestPath = join(dir, 'riffcord.json');
  const raw = existsSync(manifestPath) ? (readJson(manifestPath) as Partial<ModelManifest>) : {};
  const lexicon = loadLexicon(dir);
  return { dir, modelIndex, schedulerConfig, manifest: mergeManifest(raw, basename(dir), manifestPath), ...(lexicon ? { lexicon } : {}) };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelLoadError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
    return v;
  } catch (e) {
    throw new ModelLoadError(`${path} is not a valid JSON object (${(e as Error).message}); fix or re-export the file`);
  }
}

function mergeManifest(raw: Partial<ModelManifest>, fallbackId: string, path: string): ModelManifest {
  const d = SD15_MANIFEST_DEFAULTS;
  const m: ModelManifest = {
    id: raw.id ?? fallbackId,
    displayName: raw.displayName ?? raw.id ?? fallbackId,
    image: { ...d.image, ...raw.image },
    latent: { ...d.latent, ...raw.latent },
    maxTokens: raw.maxTokens ?? d.maxTokens,
    spectrogram: { ...d.spectrogram, ...raw.spectrogram },
    defaults: { ...d.defaults, ...raw.defaults },
  };
  const bad = (field: string, why: string): never => {
    throw new ModelLoadError(`${path}: ${field} ${why}; fix the manifest (see models/README.md)`);
  };
  if (typeof m.id !== 'string' || !isModelId(m.id)) bad('id', 'must be letters, digits, ".", "_" or "-"');
  const posInt = (v: unknown, field: string): void => {
    if (!Number.isInteger(v) || (v as number) < 1) bad(field, `must be a positive whole number, got ${String(v)}`);
  };
  posInt(m.image.width, 'image.width');
  posInt(m.image.height, 'image.height');
  posInt(m.latent.channels, 'latent.channels');
  posInt(m.latent.downsample, 'latent.downsample');
  posInt(m.maxTokens, 'maxTokens');
  posInt(m.defaults.steps, 'defaults.steps');
  if (m.image.width % m.latent.downsample !== 0 || m.image.height % m.latent.downsample !== 0) {
    bad('image', `size ${m.image.width}x${m.image.height} is not a multiple of latent.downsample ${m.latent.downsample}`);
  }
  if (!(m.latent.scalingFactor > 0)) bad('latent.scalingFactor', 'must be a positive number');
  if (!Number.isFinite(m.defaults.guidance)) bad('defaults.guidance', 'must be a number');
  if (!(m.defaults.denoising > 0 && m.defaults.denoising <= 1)) bad('defaults.denoising', 'must be in (0, 1]');
  if (m.defaults.scheduler !== undefined && !(SCHEDULER_NAMES as readonly string[]).includes(m.defaults.scheduler)) {
    bad('defaults.scheduler', `must be one of ${SCHEDULER_NAMES.join(', ')}`);
  }
  return m;
}
