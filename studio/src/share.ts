/** Share links: the page's state (prompt, seed, denoising, seed image) in its query string. */

export interface SharedState {
  prompt: string;
  seed: number | null;
  denoising: number | null;
  seedImage: string | null;
}

export function readShared(search: string): SharedState {
  const q = new URLSearchParams(search);
  const seed = Number(q.get('seed'));
  const denoising = Number(q.get('denoising'));
  return {
    prompt: q.get('prompt') ?? '',
    seed: q.has('seed') && Number.isInteger(seed) && seed >= 0 ? seed : null,
    denoising: q.has('denoising') && denoising > 0 && denoising <= 1 ? denoising : null,
    seedImage: q.has('seed_image') ? (q.get('seed_image') ?? '') : null,
  };
}

export function shareUrl(origin: string, s: { prompt: string; seed: number; denoising: number; seedImage: string }): string {
  const q = new URLSearchParams({ prompt: s.prompt, seed: String(s.seed), denoising: String(s.denoising), seed_image: s.seedImage });
  return `${origin}/?${q.toString()}`;
}
