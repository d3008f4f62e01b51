/** Faults a running server meets, each pinned at the unit that had it (real Redis where state is involved). */
import { describe, expect, it } from 'vitest';
import { ConfigError, workerConfigFromEnv } from '../src/jobs/config.ts';
import { DEFAULT_MODEL_ID } from '../src/pipeline/default-model.ts';
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
