/** The studio's small pure parts: listen-along tokens, download names, configuration errors. */
import { describe, expect, it } from 'vitest';
import { fileNameOf, radioClipNameOf } from '../src/studio/clip-cache.ts';
import { studioConfigFromEnv } from '../src/studio/config.ts';
import { listenLink, listenLinkConfigFromEnv } from '../src/studio/listen-link.ts';
import { makeListenToken, verifyListenToken } from '../src/studio/listen-token.ts';

const SECRET = 'a-secret-long-enough-for-hmac';
const GUILD = '123456789012345678';

describe('listen-along tokens', () => {
  it('verify for their guild until they expire, and not after', () => {
    const now = Date.UTC(2026, 11, 2, 12);
    const token = makeListenToken(SECRET, GUILD, now, 3600);
    expect(verifyListenToken(SECRET, token, now + 1000)).toEqual({ ok: true, guildId: GUILD, expiresAt: now + 3600_000 });
    expect(verifyListenToken(SECRET, token, now + 3600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse another secret, an altered guild, a truncated token and a bare guild id', () => {
    const token = makeListenToken(SECRET, GUILD);
    expect(verifyListenToken('another-secret-altogether', token)).toEqual({ ok: false, reason: 'bad-signature' });
    const [body, sig] = token.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace(GUILD, '999999999999999999')).toString('base64url');
    expect(verifyListenToken(SECRET, `${forged}.${sig}`)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyListenToken(SECRET, token.slice(0, -2))).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyListenToken(SECRET, GUILD)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('links are built from the configured public address, and half a configuration is an error', () => {
    const c = listenLinkConfigFromEnv({ STUDIO_PUBLIC_URL: 'https://studio.example.org/', STUDIO_SECRET: SECRET })!;
    expect(listenLink(c, GUILD)).toMatch(/^https:\/\/studio\.example\.org\/listen\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(listenLinkConfigFromEnv({})).toBeNull();
    expect(() => listenLinkConfigFromEnv({ STUDIO_PUBLIC_URL: 'https://studio.example.org' })).toThrow(/STUDIO_SECRET must be set/);
    expect(() => listenLinkConfigFromEnv({ STUDIO_SECRET: SECRET })).toThrow(/STUDIO_PUBLIC_URL must be/);
  });
});

describe('studio configuration', () => {
  it('defaults to loopback, the embedded model and the bot’s limits', () => {
    const c = studioConfigFromEnv({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8787, redisUrl: 'redis://127.0.0.1:6379', model: 'riffcord-small', maxPromptChars: 300, maxQueueLength: 200, secret: null, worker: 'auto' });
    expect(studioConfigFromEnv({ MAX_QUEUE_LENGTH: '7', MAX_PROMPT_CHARS: '40' })).toMatchObject({ maxQueueLength: 7, maxPromptChars: 40 });
  });

  it('shares the bot’s steps limit: STUDIO_STEPS may not exceed MAX_STEPS (default 50)', () => {
    expect(studioConfigFromEnv({})).toMatchObject({ steps: null, maxSteps: 50 });
    expect(studioConfigFromEnv({ STUDIO_STEPS: '50' })).toMatchObject({ steps: 50, maxSteps: 50 });
    expect(studioConfigFromEnv({ MAX_STEPS: '80', STUDIO_STEPS: '60' })).toMatchObject({ steps: 60, maxSteps: 80 });
    expect(() => studioConfigFromEnv({ STUDIO_STEPS: '60' })).toThrow(/STUDIO_STEPS \(60\) is over MAX_STEPS \(50\), the bot's limit on steps/);
    expect(() => studioConfigFromEnv({ MAX_STEPS: '10', STUDIO_STEPS: '20' })).toThrow(/STUDIO_STEPS \(20\) is over MAX_STEPS \(10\)/);
  });

  it('names every bad value on its own line', () => {
    let problems: string[] = [];
    try {
      studioConfigFromEnv({ STUDIO_PORT: 'eighty', STUDIO_SECRET: 'short', RIFFCORD_MODEL: '../x', MAX_QUEUE_LENGTH: '0', STUDIO_WORKER: 'sometimes' });
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/STUDIO_PORT must be a whole number from 0 to 65535 \(got "eighty"\)/),
        expect.stringMatching(/STUDIO_SECRET must be at least 16 characters/),
        expect.stringMatching(/RIFFCORD_MODEL: "..\/x" is not a usable model id/),
        expect.stringMatching(/MAX_QUEUE_LENGTH must be a whole number of at least 1/),
        expect.stringMatching(/STUDIO_WORKER must be auto .* or never/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });
});

describe('download names', () => {
  it('follow the bot’s rule for files: the prompt as lower-case ASCII words, then the seed', () => {
    expect(fileNameOf('Smooth Jazz, saxophone solo!', 42)).toBe('smooth-jazz-saxophone-solo-seed42');
    expect(fileNameOf('Café del mar / ../../etc', 7)).toBe('cafe-del-mar-etc-seed7');
    expect(fileNameOf('???', 1)).toBe('riffcord-seed1');
    expect(fileNameOf('a'.repeat(200), 3)).toBe(`${'a'.repeat(40)}-seed3`);
    expect(radioClipNameOf('Lo-fi piano', 12)).toBe('lo-fi-piano-radio-clip12');
    expect(radioClipNameOf('ピアノ', 3)).toBe('radio-clip3');
  });
});
