/** The model a fresh checkout serves and asks for: the embedded one in models/. */
export const DEFAULT_MODEL_ID = 'riffcord-small';
