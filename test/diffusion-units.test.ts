import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromHalfBits, toHalfBits } from '../src/pipeline/diffusion/fp16.ts';
import { GaussianRng } from '../src/pipeline/diffusion/rng.ts';
import { parsePromptWeights } from '../src/pipeline/diffusion/prompt-weights.ts';
import { applyWeights } from '../src/pipeline/diffusion/text-embedding.ts';
import { lerp, slerp } from '../src/pipeline/diffusion/tensor-math.ts';

describe('float16 conversion', () => {
  it('encodes known values to their IEEE half bit patterns', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(1e-9)).toBe(0);
    expect(toHalfBits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
  it('round-trips every finite half value exactly', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      if (toHalfBits(fromHalfBits(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });
  it('converts arrays within half precision', () => {
    const src = Float32Array.from([0.333, -1.5, 12.75, 1000.1]);
    const back = float16ToFloat32(float32ToFloat16(src));
    src.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11));
  });
});

describe('GaussianRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(new GaussianRng(7).gaussian(16)).toEqual(new GaussianRng(7).gaussian(16));
    expect(new GaussianRng(7).gaussian(16)).not.toEqual(new GaussianRng(8).gaussian(16));
    expect(new GaussianRng(2 ** 40).gaussian(4)).not.toEqual(new GaussianRng(0).gaussian(4));
  });
  it('draws standard normal values', () => {
    const x = new GaussianRng(123).gaussian(200_000);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
  });
  it('rejects seeds that are not whole non-negative numbers', () => {
    expect(() => new GaussianRng(-1)).toThrow(/seed must be a whole number/);
    expect(() => new GaussianRng(1.5)).toThrow(/seed must be a whole number/);
  });
});

describe('prompt weights', () => {
  it('parses explicit, round, square, nested and escaped forms', () => {
    expect(parsePromptWeights('jazz sax')).toEqual([{ text: 'jazz sax', weight: 1 }]);
    expect(parsePromptWeights('jazz (sax:1.3) solo')).toEqual([
      { text: 'jazz ', weight: 1 },
      { text: 'sax', weight: 1.3 },
      { text: ' solo', weight: 1 },
    ]);
    const nested = parsePromptWeights('((bass)) [drums]');
    expect(nested[0].text).toBe('bass');
    expect(nested[0].weight).toBeCloseTo(1.21, 10);
    expect(nested[2]).toEqual({ text: 'drums', weight: 1 / 1.1 });
    expect(parsePromptWeights('\\(literal\\)')).toEqual([{ text: '(literal)', weight: 1 }]);
    expect(parsePromptWeights('(open')[0].weight).toBeCloseTo(1.1, 10);
    expect(parsePromptWeights('')).toEqual([{ text: '', weight: 1 }]);
  });
  it('rejects a weight that is not a number', () => {
    expect(() => parsePromptWeights('(sax:1.2.3)')).toThrow(/not a number; write it like \(word:1.3\)/);
  });
  it('scales weighted tokens and restores the mean', () => {
    const emb = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 tokens x 2 hidden
    const out = applyWeights(emb, [1, 2, 1]);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(emb), 5);
    expect(out[2] / out[0]).toBeCloseTo((3 * 2) / 1, 5);
    expect(applyWeights(emb, [1, 1, 1])).toBe(emb);
  });
});

describe('interpolation maths', () => {
  const a = new GaussianRng(1).gaussian(64);
  const b = new GaussianRng(2).gaussian(64);
  it('returns the endpoints exactly at 0 and 1', () => {
    expect(slerp(0, a, b)).toEqual(a);
    expect(slerp(1, a, b)).toEqual(b);
    expect(lerp(a, b, 0)).toEqual(a);
    expect(lerp(a, b, 1)).toEqual(b);
  });
  it('keeps the norm of unit-variance noise in between (slerp, unlike lerp)', () => {
    const norm = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    const mid = slerp(0.5, a, b);
    expect(norm(mid)).toBeGreaterThan(0.85 * Math.min(norm(a), norm(b)));
    expect(norm(lerp(a, b, 0.5))).toBeLessThan(norm(mid));
  });
});
