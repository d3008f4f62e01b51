/**
 * Complex FFT plans of any size: mixed-radix Stockham stages (radix 4, 2, 3, 5, 7 unrolled, other
 * small primes through a generic stage) and Bluestein's chirp-z for sizes with a large prime factor.
 * Data are split re/im Float64Arrays. A plan owns its scratch, so it is not reentrant; JavaScript's
 * single thread makes that safe as long as one call finishes before the next starts.
 */
import { radix2, radix3, radix4, radix5, radix7 } from './kernels.ts';

/** Largest prime handled by the O(p) per point generic stage; beyond it Bluestein is used. */
const MAX_GENERIC_PRIME = 61;

export interface ComplexFft {
  readonly n: number;
  /** Unscaled DFT with e^{-2 pi i jk / n}. Inputs are left untouched; outputs must not alias inputs. */
  forward(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void;
  /** Unscaled inverse DFT (e^{+2 pi i jk / n}); divide by n yourself for a true inverse. */
  inverse(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void;
  /**
   * forward() for sparse input and partial output: inputs from index inputPrefix on must be zero
   * (they may not be read) and outputs from index outputPrefix on may be left unwritten.
   */
  forwardPruned(
    inRe: Float64Array,
    inIm: Float64Array,
    outRe: Float64Array,
    outIm: Float64Array,
    inputPrefix: number,
    outputPrefix: number,
  ): void;
  /** Forward DFT of z[j] = x[2j] + i x[2j + 1], with x read only below len (zero beyond). */
  forwardPackedReal(x: Float64Array, len: number, outRe: Float64Array, outIm: Float64Array): void;
  /** Unscaled inverse DFT z, written as x[2j] = Re z[j], x[2j + 1] = Im z[j] for indices below len. */
  inversePackedReal(inRe: Float64Array, inIm: Float64Array, x: Float64Array, len: number): void;
}

/** Radices for n: fours first (cheapest per point), then 2, 3, 5, 7, then any other primes. */
export function factorize(n: number): number[] {
  const f: number[] = [];
  let m = n;
  while (m % 4 === 0) {
    f.push(4);
    m /= 4;
  }
  for (const p of [2, 3, 5, 7]) {
    while (m % p === 0) {
      f.push(p);
      m /= p;
    }
  }
  for (let p = 11; p * p <= m; p += 2) {
    while (m % p === 0) {
      f.push(p);
      m /= p;
    }
  }
  if (m > 1) f.push(m);
  return f;
}

/** Exact e^{-2 pi i num / den} with the angle reduced first, so large tables stay accurate. */
function cis(num: number, den: number): [number, number] {
  const a = (-2 * Math.PI * (num % den)) / den;
  return [Math.cos(a), Math.sin(a)];
}

class MixedRadixFft implements ComplexFft {
  readonly n: number;
  private readonly radices: Int32Array;
  private readonly strides: Int32Array;
  private readonly offsets: Int32Array;
  private readonly twr: Float64Array;
  private readonly twi: Float64Array;
  private readonly xr: Float64Array;
  private readonly xi: Float64Array;
  private readonly yr: Float64Array;
  private readonly yi: Float64Array;
  /** Packing scratch for the real-input entry points. */
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  /** Output of the last run() that stopped before the final stage. */
  private curR: Float64Array;
  private curI: Float64Array;
  /** Generic-stage DFT tables per radix (cos/sin of 2 pi k / p) and its scratch. */
  private readonly genCos = new Map<number, Float64Array>();
  private readonly genSin = new Map<number, Float64Array>();
  private readonly genR: Float64Array;
  private readonly genI: Float64Array;

  constructor(n: number, factors: number[]) {
    this.n = n;
    const s = factors.length;
    this.radices = Int32Array.from(factors);
    this.strides = new Int32Array(s);
    this.offsets = new Int32Array(s);
    let ns = 1;
    let total = 0;
    for (let i = 0; i < s; i++) {
      this.strides[i] = ns;
      this.offsets[i] = total;
      if (ns > 1) total += ns * (factors[i] - 1);
      ns *= factors[i];
    }
    this.twr = new Float64Array(Math.max(total, 1));
    this.twi = new Float64Array(Math.max(total, 1));
    for (let i = 0; i < s; i++) {
      const p = factors[i];
      const st = this.strides[i];
      if (st === 1) continue;
      const off = this.offsets[i];
      for (let k = 0; k < st; k++) {
        for (let r = 1; r < p; r++) {
          const [c, sn] = cis(r * k, st * p);
          this.twr[off + k * (p - 1) + r - 1] = c;
          this.twi[off + k * (p - 1) + r - 1] = sn;
        }
      }
    }
    this.xr = new Float64Array(n);
    this.xi = new Float64Array(n);
    this.yr = new Float64Array(n);
    this.yi = new Float64Array(n);
    let maxGeneric = 1;
    for (const p of factors) {
      if (p === 2 || p === 3 || p === 4 || p === 5 || p === 7 || this.genCos.has(p)) continue;
      const c = new Float64Array(p);
      const sn = new Float64Array(p);
      for (let k = 0; k < p; k++) [c[k], sn[k]] = cis(k, p);
      this.genCos.set(p, c);
      this.genSin.set(p, sn);
      maxGeneric = Math.max(maxGeneric, p);
    }
    this.genR = new Float64Array(maxGeneric);
    this.genI = new Float64Array(maxGeneric);
    this.curR = this.xr;
    this.curI = this.xi;
    this.zr = new Float64Array(n);
    this.zi = new Float64Array(n);
  }

  forward(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.forwardPruned(inRe, inIm, outRe, outIm, this.n, this.n);
  }

  forwardPruned(
    inRe: Float64Array,
    inIm: Float64Array,
    outRe: Float64Array,
    outIm: Float64Array,
    inputPrefix: number,
    outputPrefix: number,
  ): void {
    const s = this.radices.length;
    let first = 0;
    if (s >= 2 && inputPrefix <= this.n / this.radices[0]) {
      // Each first-stage butterfly sees one non-zero input, so it only copies it p times.
      broadcast(inRe, inIm, this.xr, this.xi, this.n, this.radices[0], inputPrefix);
      first = 1;
    }
    const head = s >= 2 && s - 1 > first && outputPrefix <= this.n / this.radices[s - 1];
    this.run(first === 0 ? inRe : this.xr, first === 0 ? inIm : this.xi, first, head ? s - 1 : s, outRe, outIm);
    if (head) this.head(outRe, outIm, outputPrefix);
  }

  forwardPackedReal(x: Float64Array, len: number, outRe: Float64Array, outIm: Float64Array): void {
    const s = this.radices.length;
    const lz = (len + 1) >> 1;
    if (s >= 2 && lz <= this.n / this.radices[0]) {
      broadcastPacked(x, len, this.xr, this.xi, this.n, this.radices[0]);
      this.run(this.xr, this.xi, 1, s, outRe, outIm);
      return;
    }
    const zr = this.packR();
    const zi = this.packI();
    unpack(x, len, zr, zi, this.n);
    this.run(zr, zi, 0, s, outRe, outIm);
  }

  inversePackedReal(inRe: Float64Array, inIm: Float64Array, x: Float64Array, len: number): void {
    const s = this.radices.length;
    const lz = (len + 1) >> 1;
    // Forward DFT with re and im swapped on both sides is the unscaled inverse.
    if (s >= 2 && lz <= this.n / this.radices[s - 1]) {
      this.run(inIm, inRe, 0, s - 1, this.xr, this.xi);
      const yr = this.packR();
      const yi = this.packI();
      this.head(yr, yi, lz);
      pack(yi, yr, x, len);
      return;
    }
    const yr = this.packR();
    const yi = this.packI();
    this.run(inIm, inRe, 0, s, yr, yi);
    pack(yi, yr, x, len);
  }

  private packR(): Float64Array {
    return this.zr;
  }

  private packI(): Float64Array {
    return this.zi;
  }

  /** Last stage, r = 0 row only, from the buffers the previous run() left in curR/curI. */
  private head(outRe: Float64Array, outIm: Float64Array, prefix: number): void {
    const s = this.radices.length;
    lastStageHead(this.curR, this.curI, outRe, outIm, this.n, this.radices[s - 1], this.twr, this.twi, this.offsets[s - 1], prefix);
  }

  /** Stages [first, stop); the final stage of the plan writes to out, others to scratch. */
  private run(inRe: Float64Array, inIm: Float64Array, first: number, stop: number, outRe: Float64Array, outIm: Float64Array): void {
    const s = this.radices.length;
    const n = this.n;
    let ar = inRe;
    let ai = inIm;
    for (let i = first; i < stop; i++) {
      const last = i === s - 1;
      const br = last ? outRe : (i & 1) === 0 ? this.xr : this.yr;
      const bi = last ? outIm : (i & 1) === 0 ? this.xi : this.yi;
      const p = this.radices[i];
      const ns = this.strides[i];
      const off = this.offsets[i];
      switch (p) {
        case 4:
          radix4(ar, ai, br, bi, n, ns, this.twr, this.twi, off);
          break;
        case 2:
          radix2(ar, ai, br, bi, n, ns, this.twr, this.twi, off);
          break;
        case 3:
          radix3(ar, ai, br, bi, n, ns, this.twr, this.twi, off);
          break;
        case 5:
          radix5(ar, ai, br, bi, n, ns, this.twr, this.twi, off);
          break;
        case 7:
          radix7(ar, ai, br, bi, n, ns, this.twr, this.twi, off);
          break;
        default:
          this.generic(ar, ai, br, bi, p, ns, off);
      }
      ar = br;
      ai = bi;
    }
    this.curR = ar;
    this.curI = ai;
  }

  inverse(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    // Swapping re and im on both sides turns the forward DFT into the unscaled inverse.
    this.forward(inIm, inRe, outIm, outRe);
  }

  private generic(ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, p: number, ns: number, off: number): void {
    const n = this.n;
    const q = n / p;
    const cs = this.genCos.get(p)!;
    const sn = this.genSin.get(p)!;
    const tr = this.genR;
    const ti = this.genI;
    const twr = this.twr;
    const twi = this.twi;
    for (let j = 0; j < q; j++) {
      const k = j % ns;
      const o = (j - k) * p + k;
      tr[0] = ar[j];
      ti[0] = ai[j];
      for (let r = 1; r < p; r++) {
        const xr = ar[j + r * q];
        const xi = ai[j + r * q];
        if (ns === 1) {
          tr[r] = xr;
          ti[r] = xi;
        } else {
          const t = off + k * (p - 1) + r - 1;
          tr[r] = xr * twr[t] - xi * twi[t];
          ti[r] = xr * twi[t] + xi * twr[t];
        }
      }
      for (let m = 0; m < p; m++) {
        let sr = 0;
        let si = 0;
        for (let r = 0, idx = 0; r < p; r++, idx += m) {
          if (idx >= p) idx -= p;
          const c = cs[idx];
          const s = sn[idx];
          sr += tr[r] * c - ti[r] * s;
          si += tr[r] * s + ti[r] * c;
        }
        br[o + m * ns] = sr;
        bi[o + m * ns] = si;
      }
    }
  }
}

/** First Stockham stage (ns = 1) when only inputs below `prefix` (<= n / p) can be non-zero. */
function broadcast(ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, n: number, p: number, prefix: number): void {
  const q = (n / p) | 0;
  let o = 0;
  for (let j = 0; j < prefix; j++) {
    const xr = ar[j];
    const xi = ai[j];
    for (let r = 0; r < p; r++, o++) {
      br[o] = xr;
      bi[o] = xi;
    }
  }
  br.fill(0, o, q * p);
  bi.fill(0, o, q * p);
}

/** broadcast() for z[j] = x[2j] + i x[2j + 1] read straight from the real samples x[0..len). */
function broadcastPacked(x: Float64Array, len: number, br: Float64Array, bi: Float64Array, n: number, p: number): void {
  const pairs = len >> 1;
  let o = 0;
  for (let j = 0; j < pairs; j++) {
    const xr = x[2 * j];
    const xi = x[2 * j + 1];
    for (let r = 0; r < p; r++, o++) {
      br[o] = xr;
      bi[o] = xi;
    }
  }
  if (len & 1) {
    const xr = x[len - 1];
    for (let r = 0; r < p; r++, o++) {
      br[o] = xr;
      bi[o] = 0;
    }
  }
  br.fill(0, o, n);
  bi.fill(0, o, n);
}

/** z[j] = x[2j] + i x[2j + 1] for samples below len, zero up to n. */
function unpack(x: Float64Array, len: number, zr: Float64Array, zi: Float64Array, n: number): void {
  const pairs = len >> 1;
  for (let j = 0; j < pairs; j++) {
    zr[j] = x[2 * j];
    zi[j] = x[2 * j + 1];
  }
  let j = pairs;
  if (len & 1) {
    zr[j] = x[len - 1];
    zi[j] = 0;
    j++;
  }
  zr.fill(0, j, n);
  zi.fill(0, j, n);
}

/** x[2j] = zr[j], x[2j + 1] = zi[j] for indices below len. */
function pack(zr: Float64Array, zi: Float64Array, x: Float64Array, len: number): void {
  const pairs = len >> 1;
  for (let j = 0; j < pairs; j++) {
    x[2 * j] = zr[j];
    x[2 * j + 1] = zi[j];
  }
  if (len & 1) x[len - 1] = zr[pairs];
}

/** Last Stockham stage (ns = n / p) producing only outputs below `prefix` (<= n / p): the r = 0 row. */
function lastStageHead(
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
  n: number,
  p: number,
  twr: Float64Array,
  twi: Float64Array,
  toff: number,
  prefix: number,
): void {
  const q = (n / p) | 0;
  for (let k = 0; k < prefix; k++) {
    let sr = ar[k];
    let si = ai[k];
    const t = toff + k * (p - 1) - 1;
    for (let r = 1, j = k + q; r < p; r++, j += q) {
      const xr = ar[j];
      const xi = ai[j];
      const wr = twr[t + r];
      const wi = twi[t + r];
      sr += xr * wr - xi * wi;
      si += xr * wi + xi * wr;
    }
    br[k] = sr;
    bi[k] = si;
  }
}

/** Smallest m >= target whose prime factors are all 2, 3, 5 or 7. */
function nextSmooth(target: number): number {
  for (let m = target; ; m++) {
    let r = m;
    for (const p of [2, 3, 5, 7]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

class BluesteinFft implements ComplexFft {
  readonly n: number;
  private readonly inner: MixedRadixFft;
  private readonly m: number;
  /** Chirp e^{-pi i k^2 / n}. */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** FFT of the conjugate chirp, pre-divided by m so the final inverse needs no scaling. */
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;
  private readonly cr: Float64Array;
  private readonly ci: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(n: number) {
    this.n = n;
    const m = nextSmooth(2 * n - 1);
    this.m = m;
    this.inner = new MixedRadixFft(m, factorize(m));
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n keeps the angle small; k * k stays exact for any n a Float64Array can hold.
      const [c, s] = cis((k * k) % (2 * n), 2 * n);
      this.wr[k] = c;
      this.wi[k] = s;
    }
    const tr = new Float64Array(m);
    const ti = new Float64Array(m);
    tr[0] = 1;
    for (let k = 1; k < n; k++) {
      tr[k] = tr[m - k] = this.wr[k];
      ti[k] = ti[m - k] = -this.wi[k];
    }
    this.br = new Float64Array(m);
    this.bi = new Float64Array(m);
    this.inner.forward(tr, ti, this.br, this.bi);
    for (let k = 0; k < m; k++) {
      this.br[k] /= m;
      this.bi[k] /= m;
    }
    this.ar = new Float64Array(m);
    this.ai = new Float64Array(m);
    this.cr = new Float64Array(m);
    this.ci = new Float64Array(m);
    this.zr = new Float64Array(n);
    this.zi = new Float64Array(n);
  }

  forward(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const { n, m, wr, wi, ar, ai, cr, ci, br, bi } = this;
    for (let k = 0; k < n; k++) {
      const xr = inRe[k];
      const xi = inIm[k];
      ar[k] = xr * wr[k] - xi * wi[k];
      ai[k] = xr * wi[k] + xi * wr[k];
    }
    ar.fill(0, n);
    ai.fill(0, n);
    this.inner.forward(ar, ai, cr, ci);
    for (let k = 0; k < m; k++) {
      const xr = cr[k];
      const xi = ci[k];
      ar[k] = xr * br[k] - xi * bi[k];
      ai[k] = xr * bi[k] + xi * br[k];
    }
    this.inner.inverse(ar, ai, cr, ci);
    for (let k = 0; k < n; k++) {
      const xr = cr[k];
      const xi = ci[k];
      outRe[k] = xr * wr[k] - xi * wi[k];
      outIm[k] = xr * wi[k] + xi * wr[k];
    }
  }

  inverse(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.forward(inIm, inRe, outIm, outRe);
  }

  forwardPruned(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.forward(inRe, inIm, outRe, outIm);
  }

  forwardPackedReal(x: Float64Array, len: number, outRe: Float64Array, outIm: Float64Array): void {
    const { zr, zi } = this;
    unpack(x, len, zr, zi, this.n);
    this.forward(zr, zi, outRe, outIm);
  }

  inversePackedReal(inRe: Float64Array, inIm: Float64Array, x: Float64Array, len: number): void {
    const { zr, zi } = this;
    this.inverse(inRe, inIm, zr, zi);
    pack(zr, zi, x, len);
  }
}

/**
 * Builds a complex FFT plan for n >= 1 (the caller validates n). `smallRadixLast` reverses the stage
 * order so the last stage has the smallest radix, which lets forwardPruned skip more of it.
 */
export function createComplexFft(n: number, smallRadixLast = false): ComplexFft {
  const factors = factorize(n);
  const big = factors.some((p) => p > MAX_GENERIC_PRIME);
  if (big) return new BluesteinFft(n);
  if (smallRadixLast) factors.reverse();
  return new MixedRadixFft(n, factors.length ? factors : [1]);
}
