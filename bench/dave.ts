/**
 * DAVE benchmark (`npx tsx bench/dave.ts [--runs N]`): the real @discordjs/voice client joining the
 * voice stand-in, alternately without DAVE (transport encryption only: the baseline) and with DAVE
 * (one other member in the call, MLS group created by the bot). Prints medians of
 *  - join to the first frame the stand-in hears (both modes), and with DAVE to the first E2EE frame
 *    it decrypts (the ratio to the baseline is DAVE's cost at join),
 *  - with DAVE: session description to the executed transition (handshake done) and to the first
 *    E2EE frame decrypted,
 *  - frames lost (undecryptable or missing) across a member joining and one leaving mid-call.
 */
import { median } from '../src/jobs/eta.ts';
import { voiceWorld } from '../test/support/voice-client.ts';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const RUNS = Number(arg('--runs') ?? 5);

async function once(daveMembers: number) {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    const w = await voiceWorld(cleanups, { daveMembers }, 10);
    const audio = () => w.voice.audio(w.guildId).frames;
    await w.standin.waitFor(() => audio().length >= 25 || undefined, 20_000, 'audio');
    const joinToFrame = audio()[0].arrivalMs - w.joinedAt;
    const dave = w.voice.daveOf(w.guildId);
    if (!dave) return { joinToFrame };
    const s = dave.stats;
    const handshake = s.transitions[0].at - s.startedAt;
    const firstFrame = s.firstDecryptedAt! - s.startedAt;
    let lost = 0;
    for (const [change, epoch] of [[() => void dave.addMember(), 2], [() => dave.removeMember(dave.members()[0]), 3]] as const) {
      const before = { bad: s.undecryptable, n: audio().length };
      change();
      await w.standin.waitFor(() => s.transitions.length === epoch || undefined, 10_000, `epoch ${epoch}`);
      const n = audio().length;
      await w.standin.waitFor(() => audio().length >= n + 25 || undefined, 10_000, 'audio after the change');
      const frames = audio().slice(before.n);
      let gaps = 0;
      for (let i = 1; i < frames.length; i++) gaps += ((frames[i].sequence - frames[i - 1].sequence + 65536) % 65536) - 1;
      lost += s.undecryptable - before.bad + gaps;
    }
    return { joinToFrame, joinToE2ee: s.firstDecryptedAt! - w.joinedAt, handshake, firstFrame, lost };
  } finally {
    while (cleanups.length) await cleanups.pop()!();
  }
}

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const plain: number[] = [];
const dave: { joinToFrame: number; joinToE2ee?: number; handshake?: number; firstFrame?: number; lost?: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  plain.push((await once(0)).joinToFrame);
  dave.push(await once(1));
}
const m = (xs: number[]) => median(xs)!;
const base = m(plain);
const e2ee = m(dave.map((d) => d.joinToE2ee!));
console.log(`runs: ${RUNS} of each, interleaved`);
console.log(`join -> first frame heard: transport only ${base.toFixed(0)} ms (baseline); DAVE ${m(dave.map((d) => d.joinToFrame)).toFixed(0)} ms (passthrough frames before the group exists)`);
console.log(`join -> first E2EE frame decrypted (DAVE): ${e2ee.toFixed(0)} ms (${(e2ee / base).toFixed(2)}x the baseline)`);
console.log(`DAVE: session description -> transition executed ${m(dave.map((d) => d.handshake!)).toFixed(0)} ms, -> first E2EE frame decrypted ${m(dave.map((d) => d.firstFrame!)).toFixed(0)} ms`);
console.log(`DAVE: frames lost across a join and a leave (epochs 2, 3): median ${m(dave.map((d) => d.lost!))}, max ${Math.max(...dave.map((d) => d.lost!))}`);
process.exit(0);
