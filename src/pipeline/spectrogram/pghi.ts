/**
 * Phase Gradient Heap Integration (Prusa, Balazs & Sondergaard, 2017): an initial phase for
 * Griffin-Lim computed from the magnitudes alone. For a Gaussian(-like) window the phase
 * gradient follows from the log-magnitude gradient:
 *   d(phase)/d(time) = 2 pi f + (1 / lambda) d(log s)/d(f)
 *   d(phase)/d(freq) = -lambda d(log s)/d(time)
 * (phase referenced to the frame centre). The phase is integrated outwards from the loudest
 * coefficients, always continuing from the loudest coefficient reached so far (to within a
 * bucket of a quantised log-magnitude queue).
 */

/** Priority levels of the bucket queue over the log-magnitude range above the tolerance. */
const BUCKETS = 4096;

export interface PghiGeometry {
  /** FFT length in samples. */
  nFft: number;
  /** Hop in samples. */
  hop: number;
  /** Window length in samples (Hann; approximated by a Gaussian with lambda = 0.25645 L^2). */
  windowLength: number;
  /** Bins per frame in `mags` (0 .. bins-1). */
  bins: number;
}

/**
 * @param mags frame-major magnitudes [frame][bin]
 * @param random uniform [0, 1) source for coefficients too quiet to carry phase information
 * @returns phases in the frame transform's convention (time origin at the frame's first sample)
 */
export function pghiPhase(mags: Float32Array, frames: number, g: PghiGeometry, random: () => number, relTolerance = 1e-5): Float32Array {
  const { bins, nFft: n, hop: a } = g;
  const lambda = 0.25645 * g.windowLength * g.windowLength;
  const size = frames * bins;
  let max = 0;
  for (let i = 0; i < size; i++) if (mags[i] > max) max = mags[i];
  const out = new Float32Array(size);
  if (max === 0) return out;
  // Integrated phases grow to ~1e5 rad over a clip: accumulate in doubles, wrap on output.
  const phase = new Float64Array(size);

  const floor = max * relTolerance;
  const logs = new Float32Array(size);
  for (let i = 0; i < size; i++) logs[i] = Math.log(Math.max(mags[i], floor * 1e-3));

  // Phase derivatives on the grid (centred differences, one-sided at the edges).
  const dTime = new Float32Array(size); // radians per sample, along time
  const dFreq = new Float32Array(size); // radians per bin, along frequency
  for (let t = 0; t < frames; t++) {
    const base = t * bins;
    for (let k = 0; k < bins; k++) {
      const kl = k > 0 ? k - 1 : k;
      const kh = k < bins - 1 ? k + 1 : k;
      const dsdBin = (logs[base + kh] - logs[base + kl]) / Math.max(1, kh - kl);
      dTime[base + k] = (2 * Math.PI * k) / n + (n / lambda) * dsdBin;
      const tl = t > 0 ? t - 1 : t;
      const th = t < frames - 1 ? t + 1 : t;
      const dsdSample = (logs[th * bins + k] - logs[tl * bins + k]) / (Math.max(1, th - tl) * a);
      dFreq[base + k] = (-lambda * dsdSample) / n;
    }
  }

  // Bucket queue on quantised log-magnitude: O(1) push and (amortised) pop, no comparisons.
  // Only coefficients above the floor are queued; the rest keep a random phase.
  const logFloor = Math.log(floor);
  const bucketScale = (BUCKETS - 1) / Math.max(1e-12, Math.log(max) - logFloor);
  const bucket = new Int32Array(size);
  const done = new Uint8Array(size);
  const count = new Int32Array(BUCKETS + 1);
  for (let i = 0; i < size; i++) {
    if (mags[i] <= floor) {
      done[i] = 1;
      phase[i] = (random() * 2 - 1) * Math.PI;
      bucket[i] = -1;
    } else {
      const b = Math.min(BUCKETS - 1, Math.floor((logs[i] - logFloor) * bucketScale));
      bucket[i] = b;
      count[b]++;
    }
  }
  // Seeds, loudest bucket first (counting sort, index order within a bucket).
  const firstOf = new Int32Array(BUCKETS);
  let queued = 0;
  for (let b = BUCKETS - 1; b >= 0; b--) {
    firstOf[b] = queued;
    queued += count[b];
  }
  const order = new Int32Array(queued);
  for (let i = 0; i < size; i++) if (bucket[i] >= 0) order[firstOf[bucket[i]]++] = i;

  const head = new Int32Array(BUCKETS).fill(-1);
  const next = new Int32Array(size);
  let top = -1;
  // Queue length, so an emptied queue is noticed without scanning every bucket down to zero.
  let pending = 0;
  const push = (j: number) => {
    const b = bucket[j];
    next[j] = head[b];
    head[b] = j;
    if (b > top) top = b;
    pending++;
  };
  for (let s = 0; s < queued; s++) {
    const seed = order[s];
    if (done[seed]) continue;
    done[seed] = 1;
    phase[seed] = 0;
    push(seed);
    while (pending > 0) {
      while (head[top] < 0) top--;
      const i = head[top];
      head[top] = next[i];
      pending--;
      const t = (i / bins) | 0;
      const k = i - t * bins;
      const pi = phase[i];
      if (t + 1 < frames && !done[i + bins]) {
        const j = i + bins;
        phase[j] = pi + (a / 2) * (dTime[i] + dTime[j]);
        done[j] = 1;
        push(j);
      }
      if (t > 0 && !done[i - bins]) {
        const j = i - bins;
        phase[j] = pi - (a / 2) * (dTime[i] + dTime[j]);
        done[j] = 1;
        push(j);
      }
      if (k + 1 < bins && !done[i + 1]) {
        const j = i + 1;
        phase[j] = pi + (dFreq[i] + dFreq[j]) / 2;
        done[j] = 1;
        push(j);
      }
      if (k > 0 && !done[i - 1]) {
        const j = i - 1;
        phase[j] = pi - (dFreq[i] + dFreq[j]) / 2;
        done[j] = 1;
        push(j);
      }
    }
    top = -1;
  }
  // Centre-referenced phase to the transform's reference (the frame's first sample, n/2 earlier).
  for (let t = 0; t < frames; t++) {
    const base = t * bins;
    for (let k = 0; k < bins; k++) {
      const p = phase[base + k] - (2 * Math.PI * k * Math.floor(n / 2)) / n;
      out[base + k] = p - 2 * Math.PI * Math.round(p / (2 * Math.PI));
    }
  }
  return out;
}
