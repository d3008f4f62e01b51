/**
 * The fault matrix: while a radio plays and two /riff jobs are in flight through the stand-in, each
 * row injects one fault (the gateway socket dropped, the voice socket dropped, Redis restarted, the
 * bot restarted, a worker killed mid radio clip), waits for recovery and counts what the users saw:
 * unhandled rejections and uncaught exceptions in the bot (which runs in this process), /riff jobs
 * lost and delivered twice (result versions of each interaction's reply), and the listener's
 * longest silence, heard through a jitter buffer.
 *
 * One world for every row, on a private redis-server (the Redis row restarts it): the bot, the
 * Discord and voice stand-ins, two real worker processes on the tiny test model. Rows run in order
 * on the same radio; each leaves it playing for the next.
 */
import { REST, Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radio } from '../src/commands/radio.ts';
import { riff } from '../src/commands/riff.ts';
import type { InteractionHandle, MessageSnapshot } from './standin/index.ts';
import { heardSilence, JITTER_BUFFER_MS } from './standin/voice/analysis.ts';
import { RadioWorld, type RadioGuild } from './standin/voice/radio-world.ts';
import { freePort, PrivateRedis, type WorkerChild } from './support/jobs-harness.ts';
import { StallRecorder } from './support/stalls.ts';

let redis: PrivateRedis;
let world: RadioWorld;
let g: RadioGuild;

/** Everything that escaped the bot (and the stand-ins) in this process while the file ran. */
const escaped: { kind: 'unhandledRejection' | 'uncaughtException'; error: unknown }[] = [];
const onRejection = (error: unknown) => void escaped.push({ kind: 'unhandledRejection', error });
const onException = (error: unknown) => void escaped.push({ kind: 'uncaughtException', error });

/** Every /riff the rows started, for the count at the end. */
const allRiffs: InteractionHandle[] = [];
let seed = 7000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = <T>(probe: () => T | undefined | false | null, ms: number, what: string) => world.standin.waitFor(probe, ms, what);
const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.some((e) => /^Riff · /.test(e.title ?? '')) && v.attachments.length >= 2;
/** Result versions of a reply: 1 for a job delivered once; 2 or more for a duplicate delivery. */
const deliveries = (r: InteractionHandle) => r.originalHistory().filter(isResult).length + r.followUps().filter((m) => m.history.some(isResult)).length;

/**
 * How long a /riff may take to come back after its fault before it counts as lost. Results came
 * 1-4 s after the command on a quiet box, up to 76 s on one running a training job, whose workers
 * (niced to 19) took up to 35 s for a tiny-model job; on top come the bot restart (the stop waits
 * for its handlers, the new process logs in and adopts the deliveries) and a killed worker's lock.
 */
const RECOVERY_MS = 180_000;

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const startedAt = performance.now();
  redis = new PrivateRedis(await freePort());
  await redis.start();
  // One clip generated ahead (the default is 2): the radio then holds at most one of the two
  // workers, so a /riff never waits behind the radio's clips, even with one worker left (a radio
  // that falls behind keeps a clip waiting at the queue's top priority). Clips wait the default
  // 180 s: starved workers took over 40 s for a tiny-model clip, which is not a fault under test.
  world = await RadioWorld.start({ guilds: 1, usersPerGuild: 3, redisUrl: redis.url, worker: false, settings: { bufferAhead: 1 } });
  // Two workers: the row that kills one needs the other to take its jobs over.
  await Promise.all([world.startWorker(), world.startWorker()]);
  const workersAt = performance.now();
  const rest = new REST({ api: world.standin.apiUrl }).setToken(world.standin.token);
  await rest.put(Routes.applicationCommands(world.standin.applicationId), { body: [radio.data.toJSON(), riff.data.toJSON()] });
  g = world.guilds[0];
  g.users[0].setVoiceChannel(g.guild, g.voice);
  await startRadio();
  const sec = (t: number) => `${((t - startedAt) / 1000).toFixed(1)} s`;
  console.log(`[fault-matrix] world up: bot and both workers ready at ${sec(workersAt)}, the radio playing at ${sec(performance.now())}`);
}, 240_000);

afterAll(async () => {
  // The workers' last clips are of no interest: killed, not waited for.
  for (const w of world?.workers ?? []) w.proc.kill('SIGKILL');
  await world?.stop();
  await redis?.dispose();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
}, 60_000);

/** /radio start in the guild's voice channel, and sound. */
async function startRadio(): Promise<void> {
  await g.users[0].runSlashCommand(g.guild, g.text, 'radio start', { prompt: 'steady noise bed' }).waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 30_000);
  const audio = world.voice.audio(g.guild.id);
  const from = audio.count;
  // The first radio of a file also waits for the workers' first jobs (model load, cold caches).
  await waitFor(() => audio.count > from + 100, 120_000, 'the radio to play');
}

interface Row {
  name: string;
  /** Injects the fault and returns once it is over (the socket dropped, Redis back, the bot started...), optionally with a note for the summary, read at the row's end. */
  inject: (row: RowRun) => Promise<(() => string) | void>;
  /** The bot restarted: the radio is silent until its new session has a clip, which takes what the workers take. */
  restarts?: boolean;
  /** The longest silence the fault may leave beyond what is not its doing (Figures.unexplainedMs). */
  silenceBoundMs: number;
}

/** What a row's inject sees of the row. */
interface RowRun {
  /** The row's /riff interactions so far. */
  riffs: InteractionHandle[];
  /** Two more /riff jobs, accepted and queued. */
  moreRiffs(): Promise<void>;
  /** Marks when the fault lands, if not at the start of inject (the kill, after waiting for a worker on a radio clip). */
  landed(): void;
}

const pending = (r: InteractionHandle) => !r.originalHistory().some(isResult);

interface Figures {
  rejections: number;
  /** /riff jobs still without their result when the fault landed. */
  inFlight: number;
  lost: number;
  duplicates: number;
  /** The longest the listener heard nothing. */
  longestSilenceMs: number;
  /** The longest silence not explained by this process waiting for a core or (bot restart) by the new session's wait for its first clip. */
  unexplainedMs: number;
  /** The radio played on after the fault, and still played at the end. */
  playing: boolean;
}

/** How much of [start, end] none of `cover` covers. */
function uncovered([start, end]: [number, number], cover: [number, number][]): number {
  let left = end - start;
  let at = start;
  for (const [a, b] of [...cover].sort((x, y) => x[0] - y[0])) {
    const from = Math.max(a, at);
    const to = Math.min(b, end);
    if (to > from) {
      left -= to - from;
      at = to;
    }
  }
  return Math.max(0, left);
}

/** A running radio session, and at least `frames` frames of sound since `sinceMs`. */
function radioPlaying(sinceMs: number, frames: number): boolean {
  const session = world.client && world.manager().get(g.guild.id);
  return Boolean(session && !session.isStopped && world.voice.audio(g.guild.id).since(sinceMs).length >= frames);
}

/**
 * Playing on after the fault: 2 s of sound since it was over, and sound still arriving (half a
 * second of it in the last 2 s: this process, sender and listener both, can get so little CPU on a
 * shared box that it sends slower than real time for a while).
 */
const playingOn = (overAt: number) => radioPlaying(overAt, 100) && radioPlaying(performance.now() - 2000, 25);

async function runRow(row: Row): Promise<Figures> {
  const audio = world.voice.audio(g.guild.id);
  if (!world.manager().get(g.guild.id)) {
    // An earlier row left no radio (and failed for it): this row starts its own.
    console.log(`[fault-matrix] ${row.name}: no radio playing; starting one`);
    await startRadio();
  }
  await waitFor(() => radioPlaying(performance.now() - 2000, 25), 60_000, 'the radio to play before the fault');
  const escapedBefore = escaped.length;
  const logsBefore = world.logs.length;
  const stalls = new StallRecorder().start();
  // Two /riff jobs in flight (two users: the per-user in-flight limit is 2), accepted and queued.
  const riffs: InteractionHandle[] = [];
  const moreRiffs = async () => {
    const two = [g.users[1], g.users[2]].map((u, i) => u.runSlashCommand(g.guild, g.text, 'riff', { prompt: `fault matrix ${row.name} ${riffs.length + i}`, seed: seed++ }));
    riffs.push(...two);
    allRiffs.push(...two);
    await waitFor(() => two.every((r) => world.logs.some((l) => l.msg === 'job accepted' && l.interactionId === r.id)), 15_000, 'both /riff jobs to be accepted');
  };
  await moreRiffs();
  const faultAt = performance.now();
  const faultWall = Date.now();
  // The /riff jobs without their result when the fault lands went through it.
  let landedWall = faultWall;
  const note = await row.inject({ riffs, moreRiffs, landed: () => (landedWall = Date.now()) });
  const inFlight = riffs.filter((r) => !r.originalHistory().some((v) => isResult(v) && v.at <= landedWall)).length;
  const overAt = performance.now();
  // Recovered: every /riff answered with its result, and the radio playing on.
  const delivered = await Promise.all(riffs.map((r) => r.waitForOriginal(isResult, RECOVERY_MS).then(() => true, () => false)));
  const playedOn = await waitFor(() => playingOn(overAt), RECOVERY_MS, 'the radio to play on after the fault').then(() => true, () => false);
  const recoveredAt = performance.now();
  // A late duplicate (a second process delivering the same job) would land in this second.
  await sleep(1000);
  const stillPlaying = await waitFor(() => radioPlaying(performance.now() - 2000, 25), 20_000, 'the radio to play at the end of the row').then(() => true, () => false);
  stalls.stop();
  const measuredAt = performance.now();
  // Heard up to what a listener's jitter buffer has played out by now.
  const heard = heardSilence(audio.since(faultAt - 2000), JITTER_BUFFER_MS, faultAt, measuredAt - JITTER_BUFFER_MS - 100);
  /*
   * Not the fault's doing: this process (the bot's sender and the listener both) descheduled for
   * lack of a core, and after a bot restart the wait for the new session's first clip; each
   * stretch is widened by the jitter buffer and 100 ms, the listener's lag behind the sender.
   */
  const lag = JITTER_BUFFER_MS + 100;
  const excused: [number, number][] = stalls.starved.map((x) => [x.at + 10, x.at + 10 + x.ms + lag]);
  const session = world.client ? world.manager().get(g.guild.id) : undefined;
  let clipWaitMs = 0;
  if (row.restarts && session?.firstSoundAt) {
    clipWaitMs = session.firstSoundAt - faultWall;
    excused.push([faultAt, faultAt + clipWaitMs + lag]);
  }
  const f: Figures = {
    rejections: escaped.length - escapedBefore,
    inFlight,
    lost: delivered.filter((d) => !d).length,
    duplicates: riffs.reduce((n, r) => n + Math.max(0, deliveries(r) - 1), 0),
    longestSilenceMs: Math.round(heard.longestMs),
    unexplainedMs: Math.round(Math.max(0, ...heard.gaps.map((gap) => uncovered(gap, excused)))),
    playing: playedOn && stillPlaying,
  };
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const resultAfter = riffs.map((r) => {
    const at = r.originalHistory().find(isResult)?.at;
    return at === undefined ? 'none' : sec(at - r.record.dispatchedAt);
  });
  const status = session?.status();
  // What the bot warned about meanwhile, each message once with its count (a failed row says why).
  const warned = new Map<string, number>();
  for (const l of world.logs.slice(logsBefore)) if ((l.level as number) >= 40) warned.set(String(l.msg), (warned.get(String(l.msg)) ?? 0) + 1);
  const starvedMs = stalls.starved.reduce((n, x) => n + x.ms, 0);
  const busyMs = stalls.stalls.filter((x) => x.cpuMs >= x.ms / 2).reduce((m, x) => Math.max(m, x.ms), 0);
  console.log(
    `[fault-matrix] ${row.name}: unhandled ${f.rejections}, riffs in flight at the fault ${f.inFlight}/${riffs.length}, lost ${f.lost}/${riffs.length}, duplicates ${f.duplicates}, ` +
      `longest silence ${f.longestSilenceMs} ms at +${sec(heard.at - faultAt)}, unexplained ${f.unexplainedMs} ms (bound ${row.silenceBoundMs} ms; ${JITTER_BUFFER_MS} ms jitter buffer)` +
      `${row.restarts ? `, new session's first clip ${sec(clipWaitMs)} after the fault` : ''}; ` +
      `fault over in ${sec(overAt - faultAt)}, recovered in ${sec(recoveredAt - faultAt)}, riff results ${resultAfter.join(' and ')} after the command; ` +
      `radio playing ${f.playing}, ${audio.since(overAt).length} frames since the fault, clips played ${status?.clipsPlayed ?? 'n/a'}, loops ${status?.loops ?? 'n/a'}; ` +
      `this process waited for a core ${sec(starvedMs)} in ${stalls.starved.length} stalls, longest busy stall ${busyMs.toFixed(0)} ms${note ? `; ${note()}` : ''}; ` +
      `bot warnings: ${[...warned].map(([m, n]) => `${m} (${n})`).join(', ') || 'none'}`,
  );
  for (const e of escaped.slice(escapedBefore)) console.log(`[fault-matrix] ${row.name}: ${e.kind}:`, e.error);
  return f;
}

function expectRecovered(row: Row, f: Figures): void {
  expect(f.inFlight).toBeGreaterThanOrEqual(1);
  expect(f.rejections).toBe(0);
  expect(f.lost).toBe(0);
  expect(f.duplicates).toBe(0);
  expect(f.playing).toBe(true);
  expect(f.unexplainedMs).toBeLessThan(row.silenceBoundMs);
}

/**
 * A worker running a radio clip right now (its 'job started' logged, not yet its end), while a
 * /riff of the row is still without its result. When the /riff jobs all finish before a radio
 * clip starts (a radio ahead of its playhead has none in flight), two more are sent.
 */
async function workerOnRadioClip(run: RowRun, timeoutMs: number): Promise<{ worker: WorkerChild; jobId: string }> {
  const ended = new Set(['job completed', 'job failed', 'job cancelled', 'attempt failed; will retry', 'identical request already answered; reusing its result']);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!run.riffs.some(pending)) await run.moreRiffs();
    for (const worker of world.workers) {
      if (worker.proc.exitCode !== null || worker.proc.signalCode !== null) continue;
      const started = worker.lines.findLast((l) => l.msg === 'job started');
      if (started?.kind === 'radio-clip' && !worker.lines.some((l) => l.jobId === started.jobId && ended.has(String(l.msg)))) return { worker, jobId: String(started.jobId) };
    }
    if (performance.now() > deadline) throw new Error(`no worker started a radio clip within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/*
 * Bounds on the silence a fault leaves that is not explained otherwise (Figures.unexplainedMs).
 * Measured: none over 60 ms in any row, on a quiet box and on one shared with a training job (this
 * process niced to 10 under it, waiting for a core for up to 75% of a row, which made the listener
 * hear up to 3.3 s of silence in the rows the radio rides out). Those rows (gateway, voice socket,
 * Redis, a worker) leave no gap of their own: a clip late from the workers is looped, not left
 * silent, and a dropped voice socket resumes its session. A bot restart is a gap (1.8 s on a quiet
 * box, up to 36 s on the loaded one) lasting until the new process's session has its first clip
 * (the old process stops, the new one logs in, rejoins and waits for the workers): beyond that,
 * nothing but the first packets' way to the listener.
 */
const RIDE_OUT_MS = 1_500;
const RESTART_MS = 3_000;

const rows: Row[] = [
  {
    name: 'gateway socket dropped (1006, resumed)',
    inject: async () => {
      const resumes = world.standin.gateway.sessionOfShard(0)!.resumes;
      world.standin.dropSocket(0);
      await waitFor(() => (world.standin.gateway.sessionOfShard(0)?.resumes ?? 0) > resumes, 60_000, 'the gateway session to resume');
    },
    silenceBoundMs: RIDE_OUT_MS,
  },
  {
    name: 'voice socket dropped (1006, resumed)',
    inject: async () => {
      const resumed = () => world.voice.log.filter((e) => e.guildId === g.guild.id && e.direction === 'out' && e.op === 9).length;
      const before = resumed();
      world.voice.dropSocket(g.guild.id);
      await waitFor(() => resumed() > before && world.voice.sessionOf(g.guild.id)?.connected, 60_000, 'the voice session to resume');
    },
    silenceBoundMs: RIDE_OUT_MS,
  },
  {
    name: 'redis-server restarted (2 s down)',
    inject: async () => {
      await redis.stop();
      await sleep(2000);
      await redis.start();
    },
    silenceBoundMs: RIDE_OUT_MS,
  },
  {
    name: 'bot restarted (its only shard: stop, start, resume)',
    inject: async () => {
      const from = world.logs.length;
      await world.restartBot();
      // The stopped process leaves its deliveries to the new one, which edits the replies through the interaction webhooks.
      return () => `deliveries taken over by the new process: ${world.logs.slice(from).filter((l) => l.msg === 'resuming a delivery left by a stopped bot process').length}`;
    },
    restarts: true,
    silenceBoundMs: RESTART_MS,
  },
  {
    name: 'worker SIGKILLed mid radio clip (a second worker takes over)',
    inject: async (run) => {
      const { worker, jobId } = await workerOnRadioClip(run, RECOVERY_MS);
      worker.proc.kill('SIGKILL');
      run.landed();
      await worker.exited;
      const other = [...world.workers].find((w) => w !== worker && w.proc.exitCode === null && w.proc.signalCode === null)!;
      // Once the killed clip's lock lapses the other worker runs it (when it is free: the radio's
      // session may have moved on by then).
      const takenOver = () => other.lines.some((l) => l.jobId === jobId && l.msg === 'job started');
      return () => `killed worker ${worker.pid} on radio clip ${jobId.slice(0, 8)}; worker ${other.pid} ran it again: ${takenOver() ? 'yes' : 'not yet'}`;
    },
    silenceBoundMs: RIDE_OUT_MS,
  },
];

describe('fault matrix: a radio and /riff jobs live through each fault', () => {
  for (const row of rows) {
    it(row.name, async () => {
      expectRecovered(row, await runRow(row));
    }, 3 * RECOVERY_MS);
  }

  it('every /riff of every row was delivered exactly once (counted again at the end), and nothing escaped', async () => {
    expect(allRiffs.map(deliveries)).toEqual(allRiffs.map(() => 1));
    expect(escaped).toEqual([]);
  });
});
