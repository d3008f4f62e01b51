/** Joins clips with equal-power (sine/cosine) crossfades, so the level stays steady through a join. */

export class StitchError extends Error {
  override name = 'StitchError';
}

export function stitchClips(clips: Float32Array[], sampleRate: number, crossfadeSeconds = 0.25): Float32Array {
  if (clips.length === 0) throw new StitchError('there are no clips to join');
  if (!(crossfadeSeconds >= 0) || !Number.isFinite(crossfadeSeconds)) {
    throw new StitchError(`crossfade must be 0 seconds or more, got ${crossfadeSeconds}`);
  }
  const shortest = Math.min(...clips.map((c) => c.length));
  const fade = Math.min(Math.round(crossfadeSeconds * sampleRate), Math.floor(shortest / 2));
  const total = clips.reduce((n, c) => n + c.length, 0) - fade * (clips.length - 1);
  const out = new Float32Array(total);
  let at = 0;
  clips.forEach((clip, index) => {
    const fadeIn = index === 0 ? 0 : fade;
    for (let i = 0; i < clip.length; i++) {
      if (i < fadeIn) {
        const theta = ((i + 0.5) / fade) * (Math.PI / 2);
        // The previous clip's tail is already in `out`; weight it down as this clip comes up.
        out[at + i] = out[at + i] * Math.cos(theta) + clip[i] * Math.sin(theta);
      } else {
        out[at + i] = clip[i];
      }
    }
    at += clip.length - fade;
  });
  return out;
}
