/**
 * The studio page's player (studio/src/player.ts, bundled as the page bundles it) rendered in
 * Debian's chromium through an OfflineAudioContext: what a listener would hear, sample by sample,
 * across a first start, two crossfades, a clip that arrives late to the buffer, repeats while
 * generation is behind, and a pause and resume. The clips are cosines that start at half scale and end wherever their
 * frequency leaves them, so any start or join without a fade is a step in the output.
 */
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type BrowserSession } from './support/browser.ts';
import { contiguityProblems, type ScheduledView } from './support/studio-page.ts';

let tab: BrowserSession;
let bundle: string;

/**
 * Page-side set-up both tests share: an OfflineAudioContext of `seconds`, the page's Player on it
 * (0.25 s crossfade) recording what it schedules, test clips of 1.5 s cosines that start at half
 * scale, and render() for the left channel.
 */
const PLAYER_RIG = `
globalThis.playerRig = (seconds) => {
  const sr = 48000;
  const ctx = new OfflineAudioContext(2, sr * seconds, sr);
  const scheduled = [];
  const player = new StudioPlayer.Player(0.25, { onScheduled: (s) => scheduled.push(s) }, 0.05, ctx);
  const clip = (freq) => {
    const b = ctx.createBuffer(2, Math.round(sr * 1.5), sr);
    for (let ch = 0; ch < 2; ch++) {
      const d = b.getChannelData(ch);
      for (let i = 0; i < d.length; i++) d[i] = 0.5 * Math.cos((2 * Math.PI * freq * i) / sr + 0.3);
    }
    return b;
  };
  // The player's 100 ms tick on the render's own clock, with the test's actions at tick q first.
  const everyTick = (act) => {
    for (let q = 1; q < seconds * 10; q++) {
      void ctx.suspend(q / 10).then(() => {
        act(q);
        player.tick();
        void ctx.resume();
      });
    }
  };
  const render = async () => ({ left: Array.from((await ctx.startRendering()).getChannelData(0)), scheduled, sampleRate: sr });
  return { player, clip, everyTick, render };
};
`;

/** The rig as the tests' TypeScript sees it (it has no DOM library). */
type PlayerRig = {
  player: { add(b: unknown, m: unknown, fadeIn?: number): void; rampOutput(to: 0 | 1): number; stop(): void };
  clip(freq: number): unknown;
  everyTick(act: (q: number) => void): void;
  render(): Promise<unknown>;
};

beforeAll(async () => {
  const out = await build({ entryPoints: ['studio/src/player.ts'], bundle: true, format: 'iife', globalName: 'StudioPlayer', write: false, target: 'es2022' });
  bundle = out.outputFiles[0].text;
  tab = await openPage('about:blank');
  await tab.page.addScriptTag({ content: bundle });
  await tab.page.addScriptTag({ content: PLAYER_RIG });
}, 60_000);
afterAll(async () => {
  await tab?.close();
});

interface Rendered {
  left: number[];
  scheduled: ScheduledView[];
  sampleRate: number;
}

describe('the studio player, rendered', () => {
  it('starts, crossfades, repeats, pauses and resumes without a click or a dip: every join equal-power, every start and stop faded', async () => {
    const r = (await tab.page.evaluate(async () => {
      const { player, clip, everyTick, render } = (globalThis as unknown as { playerRig(seconds: number): PlayerRig }).playerRig(6);
      player.add(clip(220), { prompt: 'a', seed: 1 });
      player.add(clip(330), { prompt: 'b', seed: 2 });
      // The third clip arrives at 1 s, after the first two are on the timeline; after it nothing
      // comes, so the last clip repeats. Pause and resume's effect on the sound (their clock stop
      // aside) at 4.5 s and 4.8 s.
      everyTick((q) => {
        if (q === 10) player.add(clip(440), { prompt: 'c', seed: 3 });
        if (q === 45) player.rampOutput(0);
        if (q === 48) player.rampOutput(1);
      });
      return render();
    })) as Rendered;

    // On one timeline, each clip where the previous one's crossfade begins; the third is the last
    // new one, then it repeats.
    expect(contiguityProblems(r.scheduled, 0.25)).toEqual([]);
    const order = r.scheduled.map((s) => [(s.meta as { prompt: string }).prompt, s.looped]);
    expect(order.slice(0, 3)).toEqual([['a', false], ['b', false], ['c', false]]);
    expect(order.length).toBeGreaterThanOrEqual(5); // two or more repeats inside the 6 s rendered
    expect(order.slice(3).every(([p, looped]) => p === 'c' && looped)).toBe(true);

    const x = r.left;
    // No click: the largest step between samples is what a 440 Hz tone (with a crossfade partner)
    // makes by itself, about 0.03-0.05 here; a start or join without a fade would step by up to 0.5.
    let step = 0;
    let at = 0;
    for (let i = 1; i < x.length; i++) {
      const d = Math.abs(x[i] - x[i - 1]);
      if (d > step) [step, at] = [d, i];
    }
    console.info(`studio player: largest sample step ${step.toFixed(4)} at ${(at / r.sampleRate).toFixed(3)} s`);
    expect(step).toBeLessThan(0.08);
    expect(Math.abs(x[Math.round(0.05 * r.sampleRate)])).toBeLessThan(0.01); // the first start is faded in

    // No gap and no dip: the level in 50 ms windows from the first start on stays at the tone's
    // (0.5 / sqrt 2). Equal-power joins of unrelated clips keep it within a dB; a clip joined to its
    // own start (a repeat) is correlated with itself and may rise up to 3 dB, never fall.
    const win = Math.round(0.05 * r.sampleRate);
    const rmsAt = (from: number, n = win) => {
      let e = 0;
      for (let i = from; i < from + n; i++) e += x[i] * x[i];
      return Math.sqrt(e / n);
    };
    const levels: number[] = [];
    for (let s = Math.round(0.1 * r.sampleRate); s + win <= x.length; s += win) {
      if (s + win > 4.5 * r.sampleRate && s < 4.85 * r.sampleRate) continue; // the pause, checked below
      levels.push(20 * Math.log10(rmsAt(s) / (0.5 / Math.SQRT2)));
    }
    // Paused: silent from the end of the 15 ms ramp until the resume.
    expect(rmsAt(Math.round(4.52 * r.sampleRate), Math.round(0.26 * r.sampleRate))).toBeLessThan(1e-4);
    console.info(`studio player: level in 50 ms windows ${Math.min(...levels).toFixed(2)} to ${Math.max(...levels).toFixed(2)} dB`);
    expect(Math.min(...levels)).toBeGreaterThan(-1);
    expect(Math.max(...levels)).toBeLessThan(3.2);
    expect(tab.problems).toEqual([]);
  }, 60_000);

  it('ends the music at stop(): a faded end, nothing waiting or already placed sounds, no repeat, and a later clip starts afresh with a fade-in', async () => {
    const seconds = 6;
    const r = (await tab.page.evaluate(async (seconds) => {
      const { player, clip, everyTick, render } = (globalThis as unknown as { playerRig(seconds: number): PlayerRig }).playerRig(seconds);
      // Two clips placed (the second from 1.3 s), a third waiting; the radio stops at 0.6 s, and
      // a new radio's first clip comes at 3.5 s.
      player.add(clip(220), { prompt: 'a' });
      player.add(clip(330), { prompt: 'b' });
      player.add(clip(440), { prompt: 'c' });
      everyTick((q) => {
        if (q === 6) player.stop();
        if (q === 35) player.add(clip(550), { prompt: 'd' });
      });
      return render();
    }, seconds)) as Rendered;

    const x = r.left;
    const rms = (from: number, to: number) => {
      const a = Math.round(from * r.sampleRate);
      const b = Math.round(to * r.sampleRate);
      let e = 0;
      for (let i = a; i < b; i++) e += x[i] * x[i];
      return Math.sqrt(e / (b - a));
    };
    const order = r.scheduled.map((s) => (s.meta as { prompt: string }).prompt);
    // What was placed before the stop ('b' already on the timeline for 1.3 s), then the new radio's
    // clip: 'c' (waiting at the stop) never, no repeat of 'b'; 'd' repeats as it runs dry, as music does.
    expect(order.slice(0, 3)).toEqual(['a', 'b', 'd']);
    expect(order.slice(3).every((p) => p === 'd')).toBe(true);
    expect(rms(0.2, 0.5)).toBeGreaterThan(0.3); // playing before the stop
    expect(rms(0.62, 0.8)).toBeGreaterThan(0.01); // fading, not cut
    expect(rms(1.0, 3.5)).toBeLessThan(1e-4); // silent after the 0.3 s fade: 'b' (placed for 1.3 s) never sounds
    const d = r.scheduled[2];
    expect(d.looped).toBe(false);
    expect(d.start).toBeGreaterThan(3.5);
    expect(rms(d.start + 0.1, d.start + 0.5)).toBeGreaterThan(0.3);
    let step = 0;
    for (let i = Math.round(3.4 * r.sampleRate); i < x.length; i++) step = Math.max(step, Math.abs(x[i] - x[i - 1]));
    expect(step).toBeLessThan(0.1); // the new start is faded in, not a click
    expect(tab.problems).toEqual([]);
  }, 60_000);

  it("joins a clip with its own fade-in (a beat join) over exactly that long, with the previous clip's fade-out matched to it", async () => {
    const r = (await tab.page.evaluate(async () => {
      const { player, clip, everyTick, render } = (globalThis as unknown as { playerRig(seconds: number): PlayerRig }).playerRig(5);
      player.add(clip(220), { prompt: 'a' });
      player.add(clip(330), { prompt: 'b', fadeInSeconds: 0.6 }, 0.6);
      player.add(clip(440), { prompt: 'c', fadeInSeconds: 0.4 }, 0.4);
      everyTick(() => undefined);
      return render();
    })) as Rendered;
    expect(contiguityProblems(r.scheduled, 0.25)).toEqual([]);
    expect(r.scheduled.slice(0, 3).map((s) => [(s.meta as { prompt: string }).prompt, s.start])).toEqual([
      ['a', expect.closeTo(0.05, 3)],
      ['b', expect.closeTo(0.05 + 1.5 - 0.6, 3)],
      ['c', expect.closeTo(0.95 + 1.5 - 0.4, 3)],
    ]);
    const x = r.left;
    let step = 0;
    let stepAt = 0;
    for (let i = 1; i < x.length; i++) if (Math.abs(x[i] - x[i - 1]) > step) [step, stepAt] = [Math.abs(x[i] - x[i - 1]), i / r.sampleRate];
    expect(step, `at ${stepAt.toFixed(3)} s; scheduled ${JSON.stringify(r.scheduled.map((s) => [s.start.toFixed(3), s.fadeIn]))}`).toBeLessThan(0.08);
    // Equal-power over each join's whole length (a to b, b to c; then c repeats, correlated with
    // itself): the level stays at the tone's within a dB.
    const win = Math.round(0.05 * r.sampleRate);
    const levels: number[] = [];
    for (let at = Math.round(0.1 * r.sampleRate); at + win <= Math.round(3.1 * r.sampleRate); at += win) {
      let e = 0;
      for (let i = at; i < at + win; i++) e += x[i] * x[i];
      levels.push(20 * Math.log10(Math.sqrt(e / win) / (0.5 / Math.SQRT2)));
    }
    expect(Math.min(...levels)).toBeGreaterThan(-1);
    expect(Math.max(...levels)).toBeLessThan(1);
    expect(tab.problems).toEqual([]);
  }, 60_000);
});
