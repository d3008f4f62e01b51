/**
 * Phase Gradient Heap Integration (Prusa, Balazs & Sondergaard, 2017): an initial phase for
 * Griffin-Lim computed from the magnitudes alone. For a Gaussian(-like) window the phase
 * gradient follows from the log-magnitude gradient:
 *   d(phase)/d(time) = 2 pi f + (1 / lambda) d(log s)/d(f)
 *   d(phase)/d(freq) = -lambda d(log s)/d(time)
 * (phase referenced to the frame centre). The phase is integrated outwards from the loudest
 * coefficients, always continuing from the loudest coefficient reached so far.
 */

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

/** Max-heap of coefficient indices keyed by magnitude. */
class IndexHeap {
  private readonly items: Int32Array;
  private size = 0;
  constructor(capacity: number, private readonly key: Float32Array) {
    this.items = new Int32Array(capacity);
  }
  get length(): number {
    return this.size;
  }
  push(i: number): void {
    const { items, key } = this;
    let at = this.size++;
    const v = key[i];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (key[items[parent]] >= v) break;
      items[at] = items[parent];
      at = parent;
    }
    items[at] = i;
  }
  pop(): number {
    const { items, key } = this;
    const top = items[0];
    const last = items[--this.size];
    const v = key[last];
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && key[items[child + 1]] > key[items[child]]) child++;
      if (key[items[child]] <= v) break;
      items[at] = items[child];
      at = child;
    }
    items[at] = last;
    return top;
  }
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
  const phase = new Float32Array(size);
  if (max === 0) return phase;

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

  const done = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    if (mags[i] <= floor) {
      done[i] = 1;
      phase[i] = (random() * 2 - 1) * Math.PI;
    }
  }
  // Seeds in descending magnitude order: each connected region starts at its loudest point.
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  order.sort((x, y) => mags[y] - mags[x]);
  const heap = new IndexHeap(size, mags);
  for (let s = 0; s < size; s++) {
    const seed = order[s];
    if (done[seed]) continue;
    done[seed] = 1;
    phase[seed] = 0;
    heap.push(seed);
    while (heap.length > 0) {
      const i = heap.pop();
      const t = (i / bins) | 0;
      const k = i - t * bins;
      if (t + 1 < frames && !done[i + bins]) {
        const j = i + bins;
        phase[j] = phase[i] + (a / 2) * (dTime[i] + dTime[j]);
        done[j] = 1;
        heap.push(j);
      }
      if (t > 0 && !done[i - bins]) {
        const j = i - bins;
        phase[j] = phase[i] - (a / 2) * (dTime[i] + dTime[j]);
        done[j] = 1;
        heap.push(j);
      }
      if (k + 1 < bins && !done[i + 1]) {
        const j = i + 1;
        phase[j] = phase[i] + (dFreq[i] + dFreq[j]) / 2;
        done[j] = 1;
        heap.push(j);
      }
      if (k > 0 && !done[i - 1]) {
        const j = i - 1;
        phase[j] = phase[i] - (dFreq[i] + dFreq[j]) / 2;
        done[j] = 1;
        heap.push(j);
      }
    }
  }
  // Centre-referenced phase to the transform's reference (the frame's first sample, n/2 earlier).
  for (let t = 0; t < frames; t++) {
    const base = t * bins;
    for (let k = 0; k < bins; k++) phase[base + k] -= (2 * Math.PI * k * Math.floor(n / 2)) / n;
  }
  return phase;
}
