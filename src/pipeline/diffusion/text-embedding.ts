/**
 * Prompt -> text-encoder embedding with attention weights (Riffusion's weighted embedding):
 * tokens of each weighted segment are encoded together, each token's vector is multiplied by its
 * weight, and the whole embedding is rescaled so its mean equals the unweighted mean.
 */
import type { SdModel } from './sd-model.ts';
import { parsePromptWeights } from './prompt-weights.ts';

export interface PromptEmbedding {
  embedding: Float32Array;
  /** Set when the prompt had more content tokens than fit; the extra tokens were dropped. */
  truncatedFrom?: number;
}

export interface WeightedIds {
  ids: number[];
  weights: number[];
  contentTokens: number;
}

export function weightedIds(model: SdModel, prompt: string): WeightedIds {
  const maxTokens = model.manifest.maxTokens;
  const ids: number[] = [];
  const weights: number[] = [];
  for (const seg of parsePromptWeights(prompt)) {
    const segIds = model.tokenizer.encodeContent(seg.text);
    ids.push(...segIds);
    for (let i = 0; i < segIds.length; i++) weights.push(seg.weight);
  }
  const packed = model.tokenizer.pack(ids, maxTokens);
  const room = maxTokens - 2;
  const w = [1, ...weights.slice(0, room), 1];
  while (w.length < maxTokens) w.push(1);
  return { ids: packed.ids, weights: w, contentTokens: ids.length };
}

/**
 * Embeds prompts one text-encoder call each: a prompt's embedding then never depends on which
 * other prompts share the request (batched kernels may round differently), so an interpolation
 * at alpha 0 or 1 reproduces its endpoint bit for bit.
 */
export async function embedPrompts(model: SdModel, prompts: string[]): Promise<PromptEmbedding[]> {
  const room = model.manifest.maxTokens - 2;
  const out: PromptEmbedding[] = [];
  for (const p of prompts) {
    const r = weightedIds(model, p);
    const [raw] = await model.encodeTokens([r.ids]);
    const embedding = applyWeights(raw, r.weights);
    out.push(r.contentTokens > room ? { embedding, truncatedFrom: r.contentTokens } : { embedding });
  }
  return out;
}

/** Multiplies token vectors by their weights and restores the original mean. */
export function applyWeights(embedding: Float32Array, weights: number[]): Float32Array {
  if (weights.every((w) => w === 1)) return embedding;
  const hidden = embedding.length / weights.length;
  const before = mean(embedding);
  const out = new Float32Array(embedding.length);
  for (let t = 0; t < weights.length; t++) {
    for (let h = 0; h < hidden; h++) out[t * hidden + h] = embedding[t * hidden + h] * weights[t];
  }
  const after = mean(out);
  const k = after === 0 ? 1 : before / after;
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}

function mean(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
