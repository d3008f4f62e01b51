/**
 * What the radio generates next, Riffusion-app style. With no new prompt it explores the current
 * one: each clip interpolates between two seeds of the same prompt, alpha stepping 0, 1/n, ...,
 * then the next pair of seeds. When a new prompt wins, clips move from the current prompt to the
 * new one (alpha 1/m ... 1 over m clips) and then settle on it. Pure: state in, request out.
 */
import type { GenerationRequest, PromptInput } from '../pipeline/generation.ts';

export interface PlanSettings {
  /** Clips per seed pair while exploring (alpha steps of 1/n). */
  exploreSteps: number;
  /** Clips to move from one prompt to the next. */
  transitionSteps: number;
  denoising: number;
  guidance: number;
  steps?: number;
  /**
   * Denoising steps of a radio's very first clip, when fewer than `steps` (or with `steps` unset):
   * the listeners hear nothing until it is made, and every later clip has a whole clip's playing
   * time to be made in.
   */
  firstClipSteps?: number;
  model?: string;
  seedImageId?: string;
}

export interface PlanState {
  prompt: string;
  seedA: number;
  seedB: number;
  /** Next alpha step within the seed pair, 0..exploreSteps-1. */
  alphaStep: number;
  transition: { to: string; toSeed: number; step: number } | null;
  /** Clips planned so far. */
  clips: number;
}

export interface PlannedClip {
  index: number;
  request: GenerationRequest;
  /** The prompt being played (the departing one during a transition). */
  prompt: string;
  alpha: number;
  phase: 'exploring' | 'moving';
  /** During a transition: the prompt it moves to. */
  target: string | null;
}

const nextSeed = (seed: number) => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % 2 ** 31;

export function initialPlan(prompt: string, seed: number): PlanState {
  return { prompt, seedA: seed, seedB: nextSeed(seed), alphaStep: 0, transition: null, clips: 0 };
}

/** Aims the plan at a new prompt; the move starts with the next clip planned. */
export function retarget(state: PlanState, prompt: string): PlanState {
  if (prompt === (state.transition?.to ?? state.prompt)) return state;
  // A move already under way starts again from where the music is now (its start prompt).
  return { ...state, transition: { to: prompt, toSeed: nextSeed(state.seedB ^ state.clips), step: 0 } };
}

export function planNext(state: PlanState, settings: PlanSettings): { clip: PlannedClip; state: PlanState } {
  const input = (prompt: string, seed: number): PromptInput => ({ prompt, seed, denoising: settings.denoising, guidance: settings.guidance });
  const first = state.clips === 0 && settings.firstClipSteps !== undefined && (settings.steps === undefined || settings.firstClipSteps < settings.steps);
  const common: Partial<GenerationRequest> = {
    ...(first ? { steps: settings.firstClipSteps } : settings.steps ? { steps: settings.steps } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    ...(settings.seedImageId ? { init: { seedImageId: settings.seedImageId } } : {}),
  };
  const index = state.clips;
  if (state.transition) {
    const step = state.transition.step + 1;
    const alpha = step / settings.transitionSteps;
    const request: GenerationRequest = { ...common, start: input(state.prompt, state.seedA), end: input(state.transition.to, state.transition.toSeed), alpha };
    const clip: PlannedClip = { index, request, prompt: state.prompt, alpha, phase: 'moving', target: state.transition.to };
    if (step >= settings.transitionSteps) {
      const seedA = state.transition.toSeed;
      // alpha 1 of the move is alpha 0 of the new prompt's first pair: exploring goes on from 1/n.
      const settled: PlanState = { prompt: state.transition.to, seedA, seedB: nextSeed(seedA), alphaStep: settings.exploreSteps > 1 ? 1 : 0, transition: null, clips: index + 1 };
      return { clip, state: settled };
    }
    return { clip, state: { ...state, transition: { ...state.transition, step }, clips: index + 1 } };
  }
  const alpha = state.alphaStep / settings.exploreSteps;
  const request: GenerationRequest = { ...common, start: input(state.prompt, state.seedA), end: input(state.prompt, state.seedB), alpha };
  const clip: PlannedClip = { index, request, prompt: state.prompt, alpha, phase: 'exploring', target: null };
  const alphaStep = state.alphaStep + 1;
  const nextState: PlanState =
    alphaStep >= settings.exploreSteps
      ? { ...state, seedA: state.seedB, seedB: nextSeed(state.seedB), alphaStep: 0, clips: index + 1 }
      : { ...state, alphaStep, clips: index + 1 };
  return { clip, state: nextState };
}
