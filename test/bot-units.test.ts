/** The bot's small pure pieces: custom ids, progress text, file fitting, the throttled editor. */
import { describe, expect, it } from 'vitest';
import { buttonId, modalId, parseClipId } from '../src/services/custom-ids.ts';
import { UserFacingError } from '../src/discord/errors.ts';
import { fileBaseName, MAX_BASE_CHARS, promptSlug } from '../src/discord/file-names.ts';
import { findBlocked, parseEntries, promptWords } from '../src/services/blocklist.ts';
import { cancelButtonId, parseCancelId } from '../src/services/cancel.ts';
import { formatSeconds, progressBar, progressText, queuedText } from '../src/services/progress.ts';
import { fitFiles, type ResultFile } from '../src/services/result-message.ts';
import { ThrottledEditor } from '../src/services/throttled-editor.ts';

describe('custom ids', () => {
  it('round-trip and reject anything else', () => {
    const id = 'AbCdEf123_-x';
    expect(parseClipId(buttonId('extend', id))).toEqual({ action: 'extend', clipId: id, modal: false });
    expect(parseClipId(modalId('remix', id))).toEqual({ action: 'remix', clipId: id, modal: true });
    expect(buttonId('variation', id).length).toBeLessThanOrEqual(100);
    expect(parseClipId('clip:delete:AbCdEf123_-x')).toBeNull();
    expect(parseClipId('clip:extend:short')).toBeNull();
    expect(parseClipId('radio:skip')).toBeNull();
  });
});

describe('progress text', () => {
  it('shows the bar, the step and an ETA from the pace so far', () => {
    expect(progressBar(0.5)).toBe('`██████████░░░░░░░░░░` 50%');
    const t = progressText('T', { step: 5, totalSteps: 10, stage: 'denoising', clip: 0, clips: 1 }, 0, 10_000);
    expect(t).toBe('T\n`██████████░░░░░░░░░░` 50% diffusion step 5/10 · ETA 10 s');
    const morph = progressText('T', { step: 2, totalSteps: 4, stage: 'denoising', clip: 1, clips: 2 }, 0, 3000);
    expect(morph).toContain('75% clip 2/2, diffusion step 2/4 · ETA 1 s');
    expect(progressText('T', { step: 4, totalSteps: 4, stage: 'audio', clip: 0, clips: 1 }, 0, 1000)).toBe('T\n`████████████████████` 100% turning the spectrogram into sound');
  });

  it('shows the place in the queue', () => {
    expect(queuedText('T', { state: 'waiting', ahead: 2, etaSeconds: 95 })).toBe('T\nQueued: position 3 in the queue (2 ahead). ETA about 1 min 35 s.');
    expect(queuedText('T', { state: 'waiting', ahead: 0, etaSeconds: null })).toBe('T\nQueued: next in line. ETA not known yet.');
    expect(formatSeconds(0.2)).toBe('1 s');
    expect(formatSeconds(120)).toBe('2 min');
  });
});

describe('fitting files under the upload limit', () => {
  const f = (name: string, size: number, keepRank: number): ResultFile => ({ name, bytes: new Uint8Array(size), keepRank });
  it('drops the least important files first and keeps the order of the rest', () => {
    const files = [f('a.mp3', 500, 3), f('a-end.png', 300, 1), f('a.webp', 400, 2)];
    expect(fitFiles(files, 2000).map((x) => x.name)).toEqual(['a.mp3', 'a-end.png', 'a.webp']);
    expect(fitFiles(files, 950).map((x) => x.name)).toEqual(['a.mp3', 'a.webp']);
    expect(fitFiles(files, 600).map((x) => x.name)).toEqual(['a.mp3']);
  });
  it('refuses when even the audio does not fit', () => {
    expect(() => fitFiles([f('a.mp3', 3 * 1024 * 1024, 3)], 1024 * 1024)).toThrow(UserFacingError);
    expect(() => fitFiles([f('a.mp3', 3 * 1024 * 1024, 3)], 1024 * 1024)).toThrow(/3\.0 MB, this server allows 1\.0 MB/);
  });
});

describe('ThrottledEditor', () => {
  it('coalesces updates to the latest, spaces edits by the interval and sends none after finish', async () => {
    const sent: { at: number; content: string }[] = [];
    const editor = new ThrottledEditor(async (content) => void sent.push({ at: Date.now(), content }), 200, (e) => {
      throw e;
    });
    editor.update('a');
    await new Promise((r) => setTimeout(r, 20));
    editor.update('b');
    editor.update('c');
    editor.update('c');
    await new Promise((r) => setTimeout(r, 300));
    editor.update('c'); // same as shown: no edit
    editor.update('d');
    await editor.finish();
    editor.update('e');
    await new Promise((r) => setTimeout(r, 250));
    expect(sent.map((s) => s.content)).toEqual(['a', 'c']);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(190);
  });
});

describe('file names from prompts', () => {
  it('makes safe, bounded slugs', () => {
    expect(fileBaseName({ prompt: 'jazz sax', seed: 42, fallback: 'riff' })).toBe('jazz-sax-seed42');
    expect(promptSlug('Café del Mar — “ambient” / 120 BPM!!')).toBe('cafe-del-mar-ambient-120-bpm');
    expect(promptSlug('../../etc/passwd\0<script>')).toBe('etc-passwd-script');
    expect(fileBaseName({ prompt: 'church bells', endPrompt: 'electronic', seed: 3, fallback: 'morph' })).toBe('church-bells-to-electronic-seed3');
    expect(fileBaseName({ prompt: '静かなピアノ', seed: 7, fallback: 'riff' })).toBe('riff-seed7');
    expect(fileBaseName({ prompt: 'funk', seed: 7, tag: 'extended', fallback: 'extend' })).toBe('funk-extended-seed7');
    const long = fileBaseName({ prompt: 'a'.repeat(300), endPrompt: 'word '.repeat(100), seed: 2 ** 32 - 1, tag: 'remix', fallback: 'x' });
    expect(long.length).toBeLessThanOrEqual(MAX_BASE_CHARS);
    expect(long).toMatch(/^[a-z0-9-]+-seed4294967295$/);
    // Cut at a word boundary, never mid-word (unless one word is longer than the limit).
    expect(promptSlug('lofi hip hop beat with warm piano and soft rain sounds', 20)).toBe('lofi-hip-hop-beat');
  });
});

describe('prompt blocklist matching', () => {
  it('matches whole words and phrases after folding case, accents and spelled-out letters', () => {
    expect(promptWords('Gore-soaked  MÉTAL, g.o.r.e b a d!')).toEqual(['gore', 'soaked', 'metal', 'gore', 'bad']);
    const list = ['gore', 'screaming baby'];
    expect(findBlocked(['Gore soaked'], list)).toBe('gore');
    expect(findBlocked(['góre'], list)).toBe('gore');
    expect(findBlocked(['gorgeous', 'gored'], list)).toBeNull();
    expect(findBlocked(['a SCREAMING   baby'], list)).toBe('screaming baby');
    expect(findBlocked(['baby screaming'], list)).toBeNull();
    expect(findBlocked(['fine', 'also gore'], list)).toBe('gore');
    expect(findBlocked(['anything'], [])).toBeNull();
  });

  it('parses what admins type, refusing entries that could match nothing', () => {
    expect(parseEntries(' Gore, screaming  Baby;gore\nblood ')).toEqual(['gore', 'screaming baby', 'blood']);
    expect(() => parseEntries(' , ; ')).toThrow(UserFacingError);
    expect(() => parseEntries('!!!')).toThrow(/no letters or digits/);
    expect(() => parseEntries('x'.repeat(51))).toThrow(/longer than 50/);
  });
});

describe('cancel button ids', () => {
  it('round-trip, stay under 100 characters and reject anything else', () => {
    const id = '0b6a3c2e-8f1d-4d2a-9c1b-2f3e4d5c6b7a';
    expect(parseCancelId(cancelButtonId(id))).toBe(id);
    expect(cancelButtonId(id).length).toBeLessThanOrEqual(100);
    expect(parseCancelId('info:cancel:../../x')).toBeNull();
    expect(parseCancelId('clip:extend:AbCdEf123_-x')).toBeNull();
  });
});

describe('ThrottledEditor spacing', () => {
  it('sends the next edit an interval after the previous one was sent, even when that one was slow to land', async () => {
    const sentAt: number[] = [];
    const editor = new ThrottledEditor(
      async () => {
        sentAt.push(performance.now());
        await new Promise((r) => setTimeout(r, sentAt.length === 1 ? 500 : 0));
      },
      200,
      () => undefined,
    );
    editor.update('a');
    await new Promise((r) => setTimeout(r, 20));
    editor.update('b');
    await new Promise((r) => setTimeout(r, 230));
    editor.update('c');
    await new Promise((r) => setTimeout(r, 1_000));
    await editor.finish();
    // 'b' and 'c' both waited on the slow 'a'; without the spacing they went out back to back.
    expect(sentAt.length).toBe(3);
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(195);
    expect(sentAt[2] - sentAt[1]).toBeGreaterThanOrEqual(195);
  });

  it('spaces edits as Discord receives them: an edit held back on its way does not let the next one arrive close behind', async () => {
    // Each edit reaches "Discord" some time after it is handed over (the client's queue, the
    // network); Discord answers on arrival. The first is held back 300 ms, the rest arrive at once.
    const arrivedAt: number[] = [];
    let calls = 0;
    const editor = new ThrottledEditor(
      async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, calls === 1 ? 300 : 0));
        arrivedAt.push(performance.now());
      },
      200,
      () => undefined,
    );
    editor.update('a');
    await new Promise((r) => setTimeout(r, 210));
    editor.update('b');
    await new Promise((r) => setTimeout(r, 800));
    await editor.finish();
    expect(arrivedAt.length).toBe(2);
    expect(arrivedAt[1] - arrivedAt[0]).toBeGreaterThanOrEqual(195);
  });

  it('finish() during the wait drops the waiting edit at once instead of sending it late', async () => {
    const sent: string[] = [];
    const editor = new ThrottledEditor(async (c) => void sent.push(c), 10_000, () => undefined);
    editor.update('a');
    await new Promise((r) => setTimeout(r, 20));
    editor.update('b');
    const t = performance.now();
    await editor.finish();
    expect(performance.now() - t).toBeLessThan(1_000);
    expect(sent).toEqual(['a']);
  });
});
