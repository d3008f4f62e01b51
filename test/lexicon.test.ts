/**
 * The embedded model's prompt lexicon: what people type lands on a style the model knows, with a
 * caption in the form it was trained on, and says what it understood.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeReadings, loadLexicon, type Lexicon } from '../src/pipeline/diffusion/lexicon.ts';
import { ModelLoadError } from '../src/pipeline/diffusion/errors.ts';
import { listSeedImages } from '../src/pipeline/diffusion/seed-images.ts';
import { repoRoot } from './support/paths.ts';

const modelDir = resolve(repoRoot, 'models/riffcord-small');
const lexicon = loadLexicon(modelDir) as Lexicon;
const common = JSON.parse(readFileSync(resolve(repoRoot, 'training/common-prompts.json'), 'utf8')) as { prompts: [string, string][] };
const tmp = mkdtempSync(join(tmpdir(), 'riffcord-lexicon-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('prompt lexicon of riffcord-small', () => {
  it('ships with the model, knowing its styles and a stand-in for every corpus style it lacks', () => {
    expect(lexicon).toBeDefined();
    expect(lexicon.styleCount).toBeGreaterThanOrEqual(12);
    for (const stand of Object.values(lexicon.data.standIns ?? {})) expect(Object.keys(lexicon.data.styles)).toContain(stand);
  });

  it('lands each of the committed common prompts on its expected style', () => {
    expect(common.prompts.length).toBeGreaterThanOrEqual(40);
    const misses = common.prompts
      .filter(([p, want]) => lexicon.read(p).style !== lexicon.playedAs(want))
      .map(([p, want]) => `${p} -> ${lexicon.read(p).style} (want ${lexicon.playedAs(want)})`);
    expect(misses).toEqual([]);
  });

  it('says what it heard: "jazz sax" is jazz and saxophone, played as jazz sax', () => {
    const r = lexicon.read('jazz sax');
    expect(r).toMatchObject({ caption: 'jazz sax', style: 'jazz_sax', fallback: false });
    expect(r.heard).toEqual(['jazz', 'saxophone']);
    expect(describeReadings(lexicon, [r])).toBe('jazz, saxophone → jazz sax');
    expect(lexicon.read('church bells').style).toBe('church_organ_bells');
    expect(lexicon.read('electronic').style).toBe(lexicon.playedAs('house'));
    expect(lexicon.read('electronic').style).not.toBe(lexicon.read('church bells').style);
  });

  it('keeps tempo and mood in the caption, so slow sad and fast happy piano differ', () => {
    const slow = lexicon.read('slow sad piano');
    const fast = lexicon.read('fast happy piano');
    // The mood word is one the model's captions used for that mode (v1: melancholic, v2: sad).
    expect(slow.caption).toMatch(/^(sad|melancholic) slow piano ballad$/);
    expect(fast.caption).toMatch(/^happy (fast classical piano|piano ballad)$/);
    expect(fast.caption).not.toBe(slow.caption);
    expect(lexicon.read('90 bpm house').heard[0]).toBe('90 bpm');
  });

  it('drops a tempo the style never plays and says why', () => {
    const r = lexicon.read('slow dubstep');
    const style = lexicon.playedAs('dubstep');
    const { bpm, caption, label } = lexicon.data.styles[style];
    expect(r.style).toBe(style);
    expect(r.caption).toBe(caption);
    expect(describeReadings(lexicon, [r])).toContain(`not slow: ${label} is played at ${bpm.join('-')} bpm`);
  });

  it('gives a prompt with no known word the stated default, never a random style', () => {
    const a = lexicon.read('purple monkey dishwasher');
    const b = lexicon.read('purple monkey dishwasher');
    expect(a).toEqual(b);
    expect(a.fallback).toBe(true);
    expect(describeReadings(lexicon, [a])).toMatch(/no word riffcord-small knows \("purple", "monkey", "dishwasher"\); playing its default, lo-fi hip hop/);
    expect(describeReadings(lexicon, [lexicon.read('')])).toMatch(/an empty prompt; playing its default/);
  });

  it('reports words it ignored next to what it understood', () => {
    expect(describeReadings(lexicon, [lexicon.read('jazz sax on a purple boat')])).toBe('jazz, saxophone → jazz sax; ignored: purple, boat');
  });

  it('reads each weighted part on its own and keeps the weights', () => {
    const r = lexicon.readWeighted('(jazz sax:0.6) (house:0.4)');
    const house = lexicon.data.styles[lexicon.playedAs('house')].caption;
    expect(r.caption).toBe(`(jazz sax:0.6) (${house}:0.4)`);
    expect(r.readings.map((x) => x.style)).toEqual(['jazz_sax', lexicon.playedAs('house')]);
  });

  it('points every drummed style at a beat seed image that is installed, and beatless styles at none', () => {
    const installed = listSeedImages();
    expect(lexicon.beatSeedImage('house')?.seedImageId).toMatch(/^rc_beat_\d{3}$/);
    expect(installed).toContain(lexicon.beatSeedImage('house')?.seedImageId);
    expect(installed).toContain(lexicon.beatSeedImage('jazz sax')?.seedImageId);
    // A seed loop holds a whole number of beats in 5.12 s, so loop tempos lie on a grid of
    // 60 / 5.12 = 11.7 bpm: every seeded style's loop is within half a grid step of its tempo range.
    const halfStep = 60 / 5.12 / 2;
    for (const style of Object.values(lexicon.data.styles)) {
      if (!style.seedImage || !style.seedBeats) continue;
      expect(installed).toContain(style.seedImage);
      const loopBpm = (style.seedBeats * 60) / 5.12;
      expect(loopBpm).toBeGreaterThanOrEqual(style.bpm[0] - halfStep);
      expect(loopBpm).toBeLessThanOrEqual(style.bpm[1] + halfStep);
    }
    expect(lexicon.beatSeedImage('choir')).toBeUndefined();
  });

  it('refuses a malformed lexicon.json with a clear model error', () => {
    writeFileSync(join(tmp, 'lexicon.json'), '{"version": 1, "styles": {}');
    expect(() => loadLexicon(tmp)).toThrow(ModelLoadError);
    expect(() => loadLexicon(tmp)).toThrow(/lexicon.json in .* is not valid JSON/);
    const data = JSON.parse(readFileSync(join(modelDir, 'lexicon.json'), 'utf8'));
    data.fallback = 'polka';
    writeFileSync(join(tmp, 'lexicon.json'), JSON.stringify(data));
    expect(() => loadLexicon(tmp)).toThrow(/fallback "polka" is not one of its styles/);
  });
});
