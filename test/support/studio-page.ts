/** Reading the studio page's own probe (window.__studio) from a test. */
import type { Page } from 'playwright-core';
import type { ClipInfo } from '../../src/studio/protocol.ts';

export interface ScheduledView {
  start: number;
  duration: number;
  scheduledAt: number;
  /** Seconds it overlaps the clip before (0 for a start). */
  fadeIn: number;
  looped: boolean;
  late: boolean;
  meta: ClipInfo;
}

export interface ProbeView {
  scheduled: ScheduledView[];
  received: ClipInfo[];
  errors: string[];
  behind: boolean;
  timeline: boolean;
  ctxTime: number;
  ctxState: string;
  crossfade: number;
}

export async function probe(page: Page): Promise<ProbeView> {
  return page.evaluate(() => {
    const w = globalThis as unknown as {
      __studio: { scheduled: ScheduledView[]; received: ClipInfo[]; errors: string[]; behind: boolean; timeline: boolean; ctxTime(): number; config: { crossfadeSeconds: number } | null };
      __studioCtx?: { state: string };
    };
    const p = w.__studio;
    const ctx = w.__studioCtx;
    return {
      scheduled: p.scheduled.map((s) => ({ start: s.start, duration: s.duration, fadeIn: s.fadeIn, scheduledAt: s.scheduledAt, looped: s.looped, late: s.late, meta: s.meta })),
      received: p.received,
      errors: p.errors,
      behind: p.behind,
      timeline: p.timeline,
      ctxTime: p.ctxTime(),
      ctxState: ctx?.state ?? 'none',
      crossfade: p.config?.crossfadeSeconds ?? NaN,
    };
  });
}

/** Waits until `until` holds for the page's probe, polling (the page is busy playing). */
export async function waitForProbe(page: Page, until: (p: ProbeView) => boolean, timeoutMs: number, what: string): Promise<ProbeView> {
  const deadline = Date.now() + timeoutMs;
  let last: ProbeView | null = null;
  while (Date.now() < deadline) {
    last = await probe(page);
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; page errors: ${JSON.stringify(last?.errors)}; received ${last?.received.length ?? 0} clips, scheduled ${last?.scheduled.length ?? 0}`);
}

/** Every scheduled clip starts exactly where the previous one's crossfade begins, and was scheduled before it started. */
export function contiguityProblems(s: ScheduledView[], crossfade: number): string[] {
  const problems: string[] = [];
  for (let i = 1; i < s.length; i++) {
    // A clip's own fade-in (a beat join) or the crossfade, as long as its two fades do not meet.
    const fade = Math.min(s[i].meta.fadeInSeconds ?? crossfade, s[i].duration / 2 - 0.005);
    const expected = s[i - 1].start + s[i - 1].duration - fade;
    if (Math.abs(s[i].start - expected) > 1e-6) problems.push(`clip ${i} starts at ${s[i].start}, not ${expected}`);
  }
  for (let i = 0; i < s.length; i++) if (s[i].late) problems.push(`clip ${i} was scheduled too late to join the previous one`);
  for (let i = 0; i < s.length; i++) if (!(s[i].scheduledAt < s[i].start)) problems.push(`clip ${i} was scheduled at ${s[i].scheduledAt}, after its start ${s[i].start}`);
  return problems;
}
