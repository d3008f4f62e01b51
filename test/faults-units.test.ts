/** Faults a running server meets, each pinned at the unit that had it (real Redis where state is involved). */
import { describe, expect, it } from 'vitest';
import { ConfigError, workerConfigFromEnv } from '../src/jobs/config.ts';
import { DEFAULT_MODEL_ID } from '../src/pipeline/default-model.ts';

describe('worker configuration', () => {
  it('serves the embedded model when RIFFCORD_MODELS is not set (as `npm run worker` in the README)', () => {
    expect(workerConfigFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }).models).toEqual([DEFAULT_MODEL_ID]);
  });

  it('still refuses a RIFFCORD_MODELS that lists nothing', () => {
    expect(() => workerConfigFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', RIFFCORD_MODELS: ' , ' })).toThrow(ConfigError);
  });
});
