/** Faults a running server meets, each pinned at the unit that had it (real Redis where state is involved). */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { download } from '../src/services/attachments.ts';
import { UserFacingError } from '../src/discord/errors.ts';
import { createLogger } from '../src/jobs/logging.ts';
import { AudioDecodeError, decodeAudio } from '../src/pipeline/audio/decode.ts';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { demuxerForName } from '../src/pipeline/audio/formats.ts';
import { DiscordStandin } from './standin/index.ts';
import { ConfigError, workerConfigFromEnv } from '../src/jobs/config.ts';
import { parseRedisUrl, RedisAddressError } from '../src/jobs/connection.ts';
import { DEFAULT_MODEL_ID } from '../src/pipeline/model-id.ts';
import { AudioWorkerCrashedError, griffinLim, stopAudioWorker } from '../src/pipeline/spectrogram/griffin-lim.ts';
import { RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/params.ts';
import { stftPlan } from '../src/pipeline/spectrogram/stft.ts';

describe('worker configuration', () => {
  it('serves the embedded model when RIFFCORD_MODELS is not set (as `npm run worker` in the README)', () => {
    expect(workerConfigFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }).models).toEqual([DEFAULT_MODEL_ID]);
  });

  it('still refuses a RIFFCORD_MODELS that lists nothing', () => {
    expect(() => workerConfigFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', RIFFCORD_MODELS: ' , ' })).toThrow(ConfigError);
  });
});

describe('the Griffin-Lim worker thread', () => {
  const params = { ...RIFFUSION_DEFAULTS };
  const frames = 32;
  const mags = () => {
    const bins = stftPlan(params).maxBin + 1;
    return Float32Array.from({ length: frames * bins }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.37));
  };

  it('a crash of the thread mid-conversion fails the conversion (no endless wait); the next one gets a new thread', async () => {
    let killed = false;
    const run = griffinLim(mags(), frames, params, {
      threads: 2,
      iterations: 40,
      onIteration: () => {
        if (!killed) void stopAudioWorker();
        killed = true;
      },
    });
    const settled = await Promise.race([run.then(() => 'finished', (e: unknown) => e), new Promise((r) => setTimeout(() => r('still waiting'), 20_000))]);
    expect(settled).toBeInstanceOf(AudioWorkerCrashedError);
    const again = await griffinLim(mags(), frames, params, { threads: 2, iterations: 2 });
    expect(again.length).toBe((frames - 1) * params.stepSizeMs * params.sampleRate / 1000);
  }, 60_000);
});

describe('logs keep interaction tokens and attachment bytes out', () => {
  it('a DiscordAPIError from editing a reply through its webhook logs neither the token nor the file', async () => {
    const standin = await new DiscordStandin().start();
    try {
      const token = `aW50ZXJhY3Rpb246${randomBytes(24).toString('hex')}`;
      const rest = new REST({ api: standin.apiUrl }).setToken(standin.token);
      const secretBytes = Buffer.from(`ATTACHMENT-BYTES-${randomBytes(8).toString('hex')}`);
      const err = await rest
        .patch(Routes.webhookMessage(standin.applicationId, token, '@original'), { body: { content: 'x' }, files: [{ name: 'a.mp3', data: secretBytes }], auth: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiscordAPIError);
      expect(JSON.stringify(err)).toContain(token); // what pino's default serializer would print
      const lines: string[] = [];
      const log = createLogger('test', 'info', {}, { write: (l: string) => void lines.push(l) });
      log.warn({ err }, 'progress edit failed');
      const out = lines.join('');
      expect(out).toContain('progress edit failed');
      expect(out).toContain('[token]');
      expect(out).not.toContain(token);
      expect(out).not.toContain(secretBytes.toString());
      expect(out).not.toContain(secretBytes.toString('base64'));
    } finally {
      await standin.stop();
    }
  });
});

describe('uploads', () => {
  it('an attachment larger than the limit is refused while streaming, without reading the whole body', async () => {
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' }); // no Content-Length: chunked
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) sent += chunk.length;
        sent += chunk.length;
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const err = await download(`http://127.0.0.1:${port}/endless.wav`, 1024 * 1024, '"endless.wav"').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserFacingError);
      expect((err as Error).message).toBe('"endless.wav" is larger than 1 MB.');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('ffmpeg reads only the accepted formats, says so without its own stderr, and is stopped past a time limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riffcord-fault-'));
    try {
      const aiff = join(dir, 'tone.aiff');
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-y', aiff]);
      const err = await decodeAudio(readFileSync(aiff)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AudioDecodeError);
      expect((err as Error).message).not.toMatch(/@ 0x|whitelist|pipe:0/);
      expect((err as AudioDecodeError).detail).toMatch(/whitelist/);
      // A named file is read with its own demuxer: MP3 bytes under a .wav name are not probed into MP3.
      const mp3 = join(dir, 'tone.mp3');
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-y', mp3]);
      await expect(decodeAudio(readFileSync(mp3), { format: demuxerForName('song.wav') })).rejects.toBeInstanceOf(AudioDecodeError);
      expect((await decodeAudio(readFileSync(mp3), { format: demuxerForName('song.mp3'), sampleRate: 8000 })).channels[0].length).toBeGreaterThan(7000);
      const wav = encodeWav([new Float32Array(44100 * 60).map((_, i) => Math.sin(i / 10))], 44100);
      // Resampled, so ffmpeg decodes it (a WAV already at the asked rate is read without ffmpeg).
      const slow = await decodeAudio(wav, { timeoutMs: 1, sampleRate: 22050 }).catch((e: unknown) => e);
      expect(slow).toBeInstanceOf(AudioDecodeError);
      expect((slow as Error).message).toMatch(/took too long/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Redis addresses', () => {
  it('reads single, Sentinel and Cluster addresses, and asks Cluster for a hash-tagged prefix', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisUrl('redis-sentinel://:pw@10.0.0.1:26379,10.0.0.2:26380/mymaster')).toEqual({
      kind: 'sentinel', name: 'mymaster', password: 'pw', sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }],
    });
    expect(parseRedisUrl('redis-cluster://a:7000,b:7001')).toEqual({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] });
    expect(() => parseRedisUrl('redis-sentinel://10.0.0.1:26379')).toThrow(RedisAddressError);
    expect(() => workerConfigFromEnv({ REDIS_URL: 'redis-cluster://a:7000', REDIS_PREFIX: 'riffcord' })).toThrow(/hash tag.*\{riffcord\}/);
    expect(workerConfigFromEnv({ REDIS_URL: 'redis-cluster://a:7000', REDIS_PREFIX: '{riffcord}' }).prefix).toBe('{riffcord}');
  });
});
