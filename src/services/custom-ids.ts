/**
 * Custom ids of the result buttons and their modals: `clip:<action>:<clipId>`, well under
 * Discord's 100 characters. The clip id points at the clip's state in Redis (clip-state.ts).
 */
import { CLIP_ID } from './clip-state.ts';

export const CLIP_ACTIONS = ['variation', 'extend', 'morph', 'remix'] as const;
export type ClipAction = (typeof CLIP_ACTIONS)[number];

export interface ClipCustomId {
  action: ClipAction;
  clipId: string;
  /** The modal asking for a prompt (morph, remix), as opposed to the button. */
  modal: boolean;
}

export function buttonId(action: ClipAction, clipId: string): string {
  return `clip:${action}:${clipId}`;
}

export function modalId(action: ClipAction, clipId: string): string {
  return `clipmodal:${action}:${clipId}`;
}

export function parseClipId(customId: string): ClipCustomId | null {
  const m = /^(clip|clipmodal):([a-z]+):(.+)$/.exec(customId);
  if (!m) return null;
  const action = m[2] as ClipAction;
  if (!CLIP_ACTIONS.includes(action) || !CLIP_ID.test(m[3])) return null;
  return { action, clipId: m[3], modal: m[1] === 'clipmodal' };
}
