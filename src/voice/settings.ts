/** Radio settings, with defaults and RADIO_* environment overrides checked at startup. */
import { z } from 'zod';
import type { PlanSettings } from './plan.ts';

export interface RadioSettings {
  plan: PlanSettings;
  /** Clips kept generated ahead of the playhead. */
  bufferAhead: number;
  roundSeconds: number;
  maxSuggestions: number;
  /** Share of listeners whose /radio skip ends the round (0-1]. */
  skipThreshold: number;
  /** With nobody listening, generation pauses; after this long the radio leaves. */
  idleLeaveSeconds: number;
  crossfadeSeconds: number;
  clipTimeoutSeconds: number;
  /** The now-playing message is edited at most this often. */
  nowPlayingIntervalMs: number;
  /** Rejoins tried after the voice session is lost before the radio gives up and stops. */
  voiceRejoins: number;
}

export const DEFAULT_RADIO_SETTINGS: RadioSettings = {
  plan: { exploreSteps: 4, transitionSteps: 5, denoising: 0.75, guidance: 7, firstClipSteps: 8 },
  bufferAhead: 2,
  roundSeconds: 90,
  maxSuggestions: 5,
  skipThreshold: 0.5,
  idleLeaveSeconds: 120,
  crossfadeSeconds: 0.25,
  clipTimeoutSeconds: 180,
  nowPlayingIntervalMs: 2500,
  voiceRejoins: 5,
};

const positiveInt = (name: string) => z.coerce.number({ message: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be above 0`);
const envSchema = z.object({
  RADIO_ROUND_SECONDS: positiveInt('RADIO_ROUND_SECONDS').optional(),
  RADIO_TRANSITION_CLIPS: positiveInt('RADIO_TRANSITION_CLIPS').optional(),
  RADIO_EXPLORE_CLIPS: positiveInt('RADIO_EXPLORE_CLIPS').optional(),
  RADIO_BUFFER_CLIPS: positiveInt('RADIO_BUFFER_CLIPS').optional(),
  RADIO_IDLE_LEAVE_SECONDS: positiveInt('RADIO_IDLE_LEAVE_SECONDS').optional(),
  RADIO_SKIP_THRESHOLD: z.coerce.number().gt(0, 'RADIO_SKIP_THRESHOLD must be above 0').max(1, 'RADIO_SKIP_THRESHOLD must be at most 1').optional(),
  RADIO_STEPS: positiveInt('RADIO_STEPS').optional(),
  RADIO_FIRST_CLIP_STEPS: positiveInt('RADIO_FIRST_CLIP_STEPS').optional(),
});

export class RadioSettingsError extends Error {
  override name = 'RadioSettingsError';
}

export function radioSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RadioSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new RadioSettingsError(`radio settings: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const e = parsed.data;
  const d = DEFAULT_RADIO_SETTINGS;
  return {
    ...d,
    plan: {
      ...d.plan,
      transitionSteps: e.RADIO_TRANSITION_CLIPS ?? d.plan.transitionSteps,
      exploreSteps: e.RADIO_EXPLORE_CLIPS ?? d.plan.exploreSteps,
      ...(e.RADIO_STEPS ? { steps: e.RADIO_STEPS } : {}),
      firstClipSteps: e.RADIO_FIRST_CLIP_STEPS ?? d.plan.firstClipSteps,
    },
    roundSeconds: e.RADIO_ROUND_SECONDS ?? d.roundSeconds,
    bufferAhead: e.RADIO_BUFFER_CLIPS ?? d.bufferAhead,
    idleLeaveSeconds: e.RADIO_IDLE_LEAVE_SECONDS ?? d.idleLeaveSeconds,
    skipThreshold: e.RADIO_SKIP_THRESHOLD ?? d.skipThreshold,
  };
}
