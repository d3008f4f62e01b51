/**
 * Every message the bot builds stays within Discord's limits at the largest inputs it allows:
 * prompts of MAX_PROMPT_CHARS (500), every suggestion slot filled, long error texts. Each payload
 * is judged by the stand-in's conformance check (Discord's OpenAPI description and docs rules).
 */
import { describe, expect, it } from 'vitest';
import { charCount, cut, DISCORD_LIMITS, fitTexts } from '../src/discord/limits.ts';
import { userMessageFor } from '../src/discord/errors.ts';
import { progressText, queuedText } from '../src/services/progress.ts';
import { resultMessage } from '../src/services/result-message.ts';
import { commands } from '../src/bot/command-list.ts';
import { jobTitle } from '../src/commands/riff.ts';
import { JobFailedError } from '../src/jobs/errors.ts';
import { MAX_PROMPT_CHARS, type JobOutput } from '../src/jobs/types.ts';
import { nowPlayingMessage, roundResultMessage, statusMessage, voteMessage } from '../src/voice/messages.ts';
import { NUMBER_EMOJIS } from '../src/voice/votes.ts';
import { judgeBody } from './standin/conformance/requests.ts';

/** A 500-character prompt with a distinct start, as a user at the limit would type. */
const longPrompt = (tag: string) => `${tag} ${'dreamy shoegaze guitars with tape hiss '.repeat(20)}`.slice(0, MAX_PROMPT_CHARS);

function expectAccepted(body: unknown, route: [string, string] = ['POST', '/channels/:channel_id/messages']): void {
  const verdict = judgeBody(route[0], route[1], body)!;
  expect(verdict.errors).toEqual([]);
  expect(verdict.deprecated).toEqual([]);
}

describe('cutting text to Discord limits', () => {
  it('cuts by code points, never splitting an emoji, and marks the cut', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('abcd', 3)).toBe('ab…');
    const emoji = '🎵'.repeat(10);
    expect(cut(emoji, 4)).toBe('🎵🎵🎵…');
    expect(charCount(cut(emoji, 4))).toBe(4);
  });

  it('fitTexts cuts the longest texts first and keeps short ones whole', () => {
    const render = (t: string[]) => t.join('|');
    const out = fitTexts(['short', 'x'.repeat(50), 'y'.repeat(50)], render, 60);
    expect(charCount(out)).toBeLessThanOrEqual(60);
    expect(out.startsWith('short|')).toBe(true);
    expect(out.split('|')[1]).toMatch(/^x+…$/);
  });
});

describe('radio messages at the largest allowed inputs', () => {
  const suggestions = NUMBER_EMOJIS.map((_, i) => ({ prompt: longPrompt(`s${i}`), userId: String(i) }));

  it('/radio status with five (and nine) 500-character suggestions fits one message and names each', () => {
    for (const count of [5, NUMBER_EMOJIS.length]) {
      const text = statusMessage({
        prompt: longPrompt('now'),
        nextTarget: longPrompt('next'),
        round: 12345,
        roundEndsAt: Date.now() + 60_000,
        suggestions: suggestions.slice(0, count).map((s) => ({ prompt: s.prompt, votes: 999 })),
        buffered: 3,
        generating: 1,
        listeners: 99,
        paused: true,
        fallingBehind: true,
      });
      expect(charCount(text)).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      for (let i = 0; i < count; i++) expect(text).toContain(`${NUMBER_EMOJIS[i]} s${i} dreamy`);
      expect(text).toContain('…');
      expectAccepted({ type: 4, data: { content: text, flags: 64 } }, ['POST', '/interactions/:interaction_id/:interaction_token/callback']);
    }
  });

  it('short prompts are shown whole', () => {
    const text = statusMessage({ prompt: 'jazz', nextTarget: null, round: 1, roundEndsAt: 0, suggestions: [{ prompt: 'rock', votes: 1 }], buffered: 0, generating: 0, listeners: 1, paused: false, fallingBehind: false });
    expect(text).toContain('**jazz**');
    expect(text).toContain('1️⃣ rock: 1');
    expect(text).not.toContain('…');
  });

  it('the vote message, open and closed, with every slot at 500 characters, fits', () => {
    for (const closed of [false, true]) {
      const text = voteMessage(99999, suggestions, suggestions.map(() => 1000), Date.now(), closed);
      expect(charCount(text)).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      expect(text.endsWith('**Closed.**')).toBe(closed);
      expectAccepted({ content: text });
    }
    const few = voteMessage(1, suggestions.slice(0, 2), [0, 1], 0);
    expect(few).toContain(suggestions[0].prompt); // whole when it fits
  });

  it('the round result and the now-playing embed fit with 500-character prompts and a long stop reason', () => {
    const result = roundResultMessage(7, { suggestion: suggestions[0], votes: 3 });
    expect(result).toContain(suggestions[0].prompt);
    expectAccepted({ content: result });
    const reason = userMessageFor(new JobFailedError('j', 'x'.repeat(5000))).text;
    const np = nowPlayingMessage({
      clip: { index: 3, prompt: longPrompt('from'), seed: 42, audio: new Uint8Array(0), alpha: 0.5, phase: 'moving', target: longPrompt('to'), png: new Uint8Array(8), seconds: 5.12, generationMs: 100 },
      nextTarget: longPrompt('next'),
      fallingBehind: true,
      listeners: 3,
      buffered: 1,
      paused: true,
      stoppedReason: reason,
    });
    const embed = np.embeds[0].toJSON();
    expect(charCount(embed.description!)).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
    expect(embed.description).toContain(longPrompt('from'));
    expectAccepted({ content: np.content, embeds: [embed], attachments: [{ id: '0', filename: 'clip-3.png' }] });
  });
});

describe('clip messages at the largest allowed inputs', () => {
  it('progress and queue texts with a 500-character prompt fit', () => {
    const title = jobTitle('Morph', `${longPrompt('a')} → ${longPrompt('b')}`);
    const progress = progressText(title, { stage: 'denoising', step: 49, totalSteps: 50, clip: 9, clips: 10 } as Parameters<typeof progressText>[1], Date.now() - 5000);
    const queued = queuedText(title, { state: 'waiting', ahead: 999, etaSeconds: 99999 } as Parameters<typeof queuedText>[1]);
    for (const content of [progress, queued]) expectAccepted({ content }, ['PATCH', '/webhooks/:webhook_id/:interaction_token/messages/@original']);
  });

  it('the result message of a morph with 500-character prompts and negative prompt fits', () => {
    const start = { prompt: longPrompt('from'), negativePrompt: longPrompt('neg'), seed: 4294967295, guidance: 7, denoising: 0.75 };
    const out = {
      kind: 'morph',
      model: 'riffcord-small',
      format: 'mp3',
      sampleRate: 44100,
      durationSeconds: 51.2,
      requests: [{ start, end: { ...start, prompt: longPrompt('to') }, steps: 50, scheduler: 'dpm-solver', init: { seedImageId: 'og_beat' } }],
      generationMs: 123456,
      createdAt: 0,
      jobId: 'j',
      fromCache: true,
      audio: new Uint8Array(4),
      pngs: [new Uint8Array(4)],
    } as unknown as JobOutput;
    const message = resultMessage(out, [{ name: 'morph-1.mp3', bytes: out.audio, keepRank: 3 }], 'morph-1.mp3', 'c'.repeat(26), 'u'.repeat(32));
    const body = {
      content: message.content,
      embeds: message.embeds!.map((e) => ('toJSON' in e ? e.toJSON() : e)),
      components: message.components!.map((c) => ('toJSON' in c ? c.toJSON() : c)),
      attachments: [{ id: '0', filename: 'morph-1.mp3' }],
    };
    expectAccepted(body, ['PATCH', '/webhooks/:webhook_id/:interaction_token/messages/@original']);
  });

  it('an error text of any length is cut to one message', () => {
    // A failure caused by the request reaches the user with its reason (others get a plain text).
    const text = userMessageFor(new JobFailedError('j', 'y'.repeat(3000), true)).text;
    expect(charCount(cut(text, DISCORD_LIMITS.content))).toBe(DISCORD_LIMITS.content);
  });

  it('every command definition is one Discord takes', () => {
    expectAccepted(
      commands.map((c) => c.data.toJSON()),
      ['PUT', '/applications/:application_id/commands'],
    );
  });
});
