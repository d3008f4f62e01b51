/**
 * Model ids: the folder names under models/, the ids in their manifests, RIFFCORD_MODEL, and the
 * queue each model is served on.
 */

/** The model a fresh checkout serves and asks for: the embedded one in models/. */
export const DEFAULT_MODEL_ID = 'riffcord-small';

/** Letters, digits, '.', '_' and '-', starting with a letter or digit; at most 100 characters. */
const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isModelId(id: string): boolean {
  return MODEL_ID_PATTERN.test(id);
}
