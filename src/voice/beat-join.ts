/**
 * How clips generated from one beat seed loop are joined so the beat runs on across the join. Plain
 * arithmetic with no Node imports: the radio's stream and the studio page both use it.
 */

/**
 * Beats in one cycle of the radio's seed loops (kick, snare: training/seed_loops.py). A join must
 * move the next clip by whole cycles, or its kick lands where the last clip's snare was.
 */
export const SEED_PATTERN_BEATS = 2;

/**
 * The crossfade that keeps two clips of one seed loop in step. The next clip starts one crossfade
 * before the last ends, i.e. `beats - fade` beats after the last one started; that must be a whole
 * number of pattern cycles, so the fade is 1 beat for an odd beat count and 2 for an even one.
 * Undefined for clips without a grid.
 */
export function beatJoinSeconds(clipSeconds: number, beats: number | undefined): number | undefined {
  if (!beats || beats <= 0) return undefined;
  const fadeBeats = beats <= SEED_PATTERN_BEATS ? 1 : beats - SEED_PATTERN_BEATS * Math.floor((beats - 1) / SEED_PATTERN_BEATS);
  return (clipSeconds / beats) * fadeBeats;
}
