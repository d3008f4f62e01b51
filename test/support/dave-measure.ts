/** Measures for the DAVE tests: frames lost across a change, the DAVE opcodes seen, errors that escaped. */
import type { voiceWorld } from './voice-client.ts';

export type VoiceWorld = Awaited<ReturnType<typeof voiceWorld>>;

export interface FramesLost {
  /** RTP sequence gaps in what the listener heard (it drops frames that do not decrypt, so those are among them). */
  sequenceGaps: number;
  undecryptable: number;
  /** Non-silence frames sent without E2EE while it was in force. */
  plain: number;
  /** Opus silence while E2EE was in force (a sender without keys sends it in place of audio). */
  silenced: number;
}

/** What the listener lost across a DAVE change, from the frame before it to 25 frames after `done`. */
export async function lostAcross(world: VoiceWorld, change: () => void, done: () => boolean, what: string): Promise<FramesLost> {
  const { standin, voice, guildId } = world;
  const stats = () => voice.daveOf(guildId)!.stats;
  const before = { undecryptable: stats().undecryptable, plain: stats().plainWhileE2ee, silenced: stats().silenceWhileE2ee, frames: voice.audio(guildId).frames.length };
  change();
  await standin.waitFor(() => done() || undefined, 10_000, what);
  const at = voice.audio(guildId).frames.length;
  await standin.waitFor(() => voice.audio(guildId).frames.length >= at + 25 || undefined, 10_000, `audio after ${what}`);
  const frames = voice.audio(guildId).frames.slice(Math.max(0, before.frames - 1));
  let gaps = 0;
  for (let i = 1; i < frames.length; i++) gaps += ((frames[i].sequence - frames[i - 1].sequence + 65536) % 65536) - 1;
  return {
    sequenceGaps: gaps,
    undecryptable: stats().undecryptable - before.undecryptable,
    plain: stats().plainWhileE2ee - before.plain,
    silenced: stats().silenceWhileE2ee - before.silenced,
  };
}

/** The DAVE opcodes (21-31) of the world's voice session, as `in:N` / `out:N`, from the `from`th on. */
export function daveOps(world: VoiceWorld, from = 0): string[] {
  return world.voice.log.filter((e) => e.guildId === world.guildId && e.op >= 21 && e.op <= 31).map((e) => `${e.direction}:${e.op}`).slice(from);
}

/** Collects uncaught exceptions and unhandled rejections until the cleanups run. */
export function watchEscapes(cleanups: (() => unknown)[]): unknown[] {
  const seen: unknown[] = [];
  const on = (err: unknown) => seen.push(err);
  process.on('uncaughtException', on);
  process.on('unhandledRejection', on);
  cleanups.push(() => {
    process.off('uncaughtException', on);
    process.off('unhandledRejection', on);
  });
  return seen;
}
