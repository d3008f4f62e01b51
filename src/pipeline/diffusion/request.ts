/** Validation of generation requests: every bad value gets an error naming the fix. */
import type { GenerationRequest, PromptInput } from '../generation.ts';
import { InvalidRequestError } from './errors.ts';
import { SCHEDULER_NAMES, type SchedulerName } from './schedulers/types.ts';

export const MAX_STEPS = 1000;
export const MAX_GUIDANCE = 50;
export const MAX_PROMPT_CHARS = 2000;

export function checkSteps(steps: unknown): number {
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new InvalidRequestError(`steps must be a whole number from 1 to ${MAX_STEPS}, got ${String(steps)}`);
  }
  return steps;
}

export function checkScheduler(name: unknown): SchedulerName {
  if (typeof name !== 'string' || !(SCHEDULER_NAMES as readonly string[]).includes(name)) {
    throw new InvalidRequestError(`unknown scheduler "${String(name)}"; choose one of ${SCHEDULER_NAMES.join(', ')}`);
  }
  return name as SchedulerName;
}

export function checkAlpha(alpha: unknown): number {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0 || alpha > 1) {
    throw new InvalidRequestError(`alpha must be a number from 0 to 1 (0 = start prompt, 1 = end prompt), got ${String(alpha)}`);
  }
  return alpha;
}

export function checkPrompt(p: PromptInput, which: string, needsDenoising: boolean): void {
  if (typeof p !== 'object' || p === null) throw new InvalidRequestError(`${which} prompt input is missing`);
  if (typeof p.prompt !== 'string') throw new InvalidRequestError(`${which} prompt must be text`);
  if (p.prompt.length > MAX_PROMPT_CHARS) {
    throw new InvalidRequestError(`${which} prompt is ${p.prompt.length} characters; shorten it to at most ${MAX_PROMPT_CHARS}`);
  }
  if (p.negativePrompt !== undefined && typeof p.negativePrompt !== 'string') {
    throw new InvalidRequestError(`${which} negative prompt must be text`);
  }
  if (typeof p.seed !== 'number' || !Number.isSafeInteger(p.seed) || p.seed < 0) {
    throw new InvalidRequestError(`${which} seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${String(p.seed)}`);
  }
  if (typeof p.guidance !== 'number' || !Number.isFinite(p.guidance) || p.guidance < 0 || p.guidance > MAX_GUIDANCE) {
    throw new InvalidRequestError(`${which} guidance must be a number from 0 to ${MAX_GUIDANCE} (7 is typical), got ${String(p.guidance)}`);
  }
  if (needsDenoising && (typeof p.denoising !== 'number' || !Number.isFinite(p.denoising) || !(p.denoising > 0 && p.denoising <= 1))) {
    throw new InvalidRequestError(
      `${which} denoising must be a number in (0, 1] (how much of the init image is repainted; 0.75 is typical), got ${String(p.denoising)}`,
    );
  }
}

/** Checks the request's own values (model-independent). */
export function checkRequest(req: GenerationRequest): void {
  if (typeof req !== 'object' || req === null) throw new InvalidRequestError('request is missing');
  const hasInit = req.init !== undefined;
  checkPrompt(req.start, 'start', hasInit);
  if (req.end !== undefined) {
    checkPrompt(req.end, 'end', hasInit);
    checkAlpha(req.alpha ?? 0);
  } else if (req.alpha !== undefined && !Number.isFinite(req.alpha)) {
    checkAlpha(req.alpha);
  }
  if (req.steps !== undefined) checkSteps(req.steps);
  if (req.scheduler !== undefined) checkScheduler(req.scheduler);
  if (req.mask !== undefined && !hasInit) {
    throw new InvalidRequestError('a mask needs an init image: add --init <image|seed-id> or drop --mask');
  }
}
