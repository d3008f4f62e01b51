/** Element-wise helpers on flat Float32Array tensors, used by the denoising loop. */

export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  sameLength(a, b);
  const out = new Float32Array(a.length);
  if (t === 0) out.set(a);
  else if (t === 1) out.set(b);
  else for (let i = 0; i < a.length; i++) out[i] = a[i] + t * (b[i] - a[i]);
  return out;
}

/**
 * Spherical interpolation of two noise tensors (Riffusion's slerp): falls back to lerp when they
 * are nearly parallel. t = 0 and t = 1 return exact copies of the endpoints.
 */
export function slerp(t: number, a: Float32Array, b: Float32Array, dotThreshold = 0.9995): Float32Array {
  sameLength(a, b);
  if (t === 0) return Float32Array.from(a);
  if (t === 1) return Float32Array.from(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const cos = dot / (Math.sqrt(na) * Math.sqrt(nb));
  if (Math.abs(cos) > dotThreshold) return lerp(a, b, t);
  const theta0 = Math.acos(cos);
  const sin0 = Math.sin(theta0);
  const theta = theta0 * t;
  const s0 = Math.sin(theta0 - theta) / sin0;
  const s1 = Math.sin(theta) / sin0;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = s0 * a[i] + s1 * b[i];
  return out;
}

export function scale(a: Float32Array, k: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * k;
  return out;
}

export function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** uncond + g * (cond - uncond). */
export function guide(uncond: Float32Array, cond: Float32Array, g: number): Float32Array {
  sameLength(uncond, cond);
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + g * (cond[i] - uncond[i]);
  return out;
}

/** keep * mask + other * (1 - mask), mask per element in [0, 1]. */
export function blend(keep: Float32Array, other: Float32Array, mask: Float32Array): Float32Array {
  sameLength(keep, other);
  sameLength(keep, mask);
  const out = new Float32Array(keep.length);
  for (let i = 0; i < out.length; i++) out[i] = keep[i] * mask[i] + other[i] * (1 - mask[i]);
  return out;
}

function sameLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`tensor length mismatch: ${a.length} vs ${b.length}`);
}
