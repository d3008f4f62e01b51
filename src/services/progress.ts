/** The words and bar a waiting user sees while a job is queued or running. */
import type { QueuePlace } from '../jobs/client.ts';
import type { JobProgress } from '../jobs/types.ts';

const BAR_WIDTH = 20;
const STAGE_WORDS: Record<JobProgress['stage'], string> = {
  encoding: 'reading the prompt',
  denoising: 'diffusion',
  decoding: 'drawing the spectrogram',
  audio: 'turning the spectrogram into sound',
};

export function progressBar(fraction: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * BAR_WIDTH);
  return `\`${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}\` ${Math.round(f * 100)}%`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  return r ? `${m} min ${r} s` : `${m} min`;
}

export function queuedText(title: string, place: QueuePlace): string {
  const eta = place.etaSeconds === null ? 'not known yet' : `about ${formatSeconds(place.etaSeconds)}`;
  if (place.state === 'active') return `${title}\nStarting… (ETA ${eta})`;
  const ahead = place.ahead === 0 ? 'next in line' : `position ${place.ahead + 1} in the queue (${place.ahead} ahead)`;
  return `${title}\nQueued: ${ahead}. ETA ${eta}.`;
}

/** Fraction done over the whole job (every clip of a morph), and the seconds left at this pace. */
export function progressText(title: string, p: JobProgress, startedAt: number, now = Date.now()): string {
  const stepsPerClip = Math.max(1, p.totalSteps);
  const done = p.clip * stepsPerClip + (p.stage === 'denoising' ? p.step : p.stage === 'encoding' ? 0 : stepsPerClip);
  const fraction = done / (stepsPerClip * Math.max(1, p.clips));
  const elapsed = (now - startedAt) / 1000;
  const eta = fraction > 0.02 && fraction < 1 ? elapsed * (1 / fraction - 1) : null;
  const clip = p.clips > 1 ? `clip ${p.clip + 1}/${p.clips}, ` : '';
  const stage = p.stage === 'denoising' ? `${clip}diffusion step ${p.step}/${p.totalSteps}` : `${clip}${STAGE_WORDS[p.stage]}`;
  return `${title}\n${progressBar(fraction)} ${stage}${eta === null ? '' : ` · ETA ${formatSeconds(eta)}`}`;
}
