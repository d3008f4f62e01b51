/**
 * Radio benchmark (`npx tsx bench/radio.ts`). Prints medians next to their targets:
 *  1. real-time factor: wall time to make one radio clip (queue, worker, decode, loudness) over the
 *     clip's length, one worker with concurrency 1 (target <= 0.35);
 *  2. time from /radio start to the first sound a listener receives (stand-in voice server);
 *  3. CPU share of the voice path per guild: crossfading stream, Opus encoding, encryption and UDP
 *     sending of K looping radios, minus the same connections paused, as % of one core;
 *  4. radios one worker sustains without falling behind: floor(1 / RTF), then checked by playing
 *     that many (at least one) for 20 s and counting the clips looped because the next was late.
 * Model: models/riffcord-small when installed, else the tiny test model (its figures only show the
 * path works; they say nothing about the real model); --model <dir> picks another. --quick: fewer runs.
 * Uses the Redis at RIFFCORD_TEST_REDIS (default 127.0.0.1:6379) under a private prefix, removed afterwards.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createAudioPlayer, createAudioResource, StreamType } from '@discordjs/voice';
import { median } from '../src/jobs/eta.ts';
import { generateClip, type RadioClipMeta } from '../src/voice/clip-source.ts';
import { joinAndKeepConnected } from '../src/voice/connection.ts';
import { CrossfadeStream, type StreamClip } from '../src/voice/crossfade-stream.ts';
import { radioJobsClient, radioRequester } from '../src/voice/jobs.ts';
import { initialPlan, planNext } from '../src/voice/plan.ts';
import type { RadioSession } from '../src/voice/session.ts';
import { playoutDropouts, JITTER_BUFFER_MS } from '../test/standin/voice/analysis.ts';
import { RadioWorld, SMALL_MODEL_DIR, TINY_MODEL_DIR } from '../test/standin/voice/radio-world.ts';

const QUICK = process.argv.includes('--quick');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const MODEL_DIR = arg('--model') ? resolve(arg('--model')!) : existsSync(join(SMALL_MODEL_DIR, 'model_index.json')) ? SMALL_MODEL_DIR : TINY_MODEL_DIR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (n: number, d = 2) => n.toFixed(d);
const load = () => `load ${loadavg()[0].toFixed(1)}`;

// The worker as `npm run worker` starts it (the compiled build while fresh; --tsx-worker: the sources through tsx).
const WORKER_ENTRY = process.argv.includes('--tsx-worker') ? 'src/jobs/worker-main.ts' : 'bin/riffcord-worker.js';
const world = await RadioWorld.start({ guilds: 4, usersPerGuild: 1, modelDir: MODEL_DIR, settings: { roundSeconds: 3600 }, workerEntry: WORKER_ENTRY });
console.log(`radio bench: worker ${WORKER_ENTRY}, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}; model ${MODEL_DIR.replace(process.cwd() + '/', '')}${MODEL_DIR === TINY_MODEL_DIR ? ' (tiny random test model: figures show the path, not the real model)' : ''}, cpus shared with other work`);
try {
  // 1. Real-time factor of the clip path.
  const jobs = radioJobsClient({ redisUrl: world.config.redisUrl, prefix: world.prefix, model: world.config.model, settings: world.settings });
  let plan = initialPlan('bench radio, warm synth pads', Math.floor(Math.random() * 2 ** 31));
  const rtf: number[] = [];
  const genRtf: number[] = [];
  let sample: StreamClip<RadioClipMeta> | null = null;
  for (let i = 0; i < (QUICK ? 3 : 6); i++) {
    const next = planNext(plan, world.settings.plan);
    plan = next.state;
    const t = performance.now();
    const clip = await generateClip(jobs, next.clip, { sessionId: 'bench', requester: radioRequester('bench'), timeoutMs: 600_000 });
    const wall = performance.now() - t;
    if (i === 0) continue; // warm-up: model sessions and text encoder caches
    rtf.push(wall / 1000 / clip.meta.seconds);
    genRtf.push(clip.meta.generationMs / 1000 / clip.meta.seconds);
    sample = clip;
  }
  await jobs.close();
  const clipSeconds = sample!.meta.seconds;
  console.log(`1. real-time factor (clip ${f(clipSeconds)} s): median ${f(median(rtf)!)} end to end, ${f(median(genRtf)!)} in the worker; target <= 0.35 (ratio to target ${f(median(rtf)! / 0.35)}); ${load()}`);

  // 2. /radio start -> first sound, starts interleaved: the first clip at the radio's firstClipSteps
  // and at the model's usual steps (the bot shares world.settings, so the toggle takes effect).
  const g0 = world.guilds[0];
  g0.users[0].setVoiceChannel(g0.guild, g0.voice);
  const fewer = world.settings.plan.firstClipSteps;
  const firstSound = { fewer: [] as number[], usual: [] as number[] };
  for (let i = 0; i < (QUICK ? 4 : 6); i++) {
    const kind = i % 2 === 0 ? 'fewer' : 'usual';
    world.settings.plan.firstClipSteps = kind === 'fewer' ? fewer : undefined;
    const audio = world.voice.audio(g0.guild.id);
    const before = audio.count;
    const t = performance.now();
    g0.users[0].runSlashCommand(g0.guild, g0.text, 'radio start', { prompt: `bench start ${i} ${Date.now()}` });
    await world.standin.waitFor(() => audio.count > before, 600_000, 'first sound');
    firstSound[kind].push(audio.frames[before].arrivalMs - t);
    await world.manager().stop(g0.guild.id, 'bench');
    // The stopped radio's second clip may still be running in the worker (a cancel reaches it at
    // its next denoising step): wait past it, so that each start finds an idle worker.
    await sleep(Math.max(500, 2 * median(rtf)! * clipSeconds * 1000));
  }
  world.settings.plan.firstClipSteps = fewer;
  console.log(
    `2. /radio start to first sound (first clip made while the voice channel is joined): median ${f(median(firstSound.fewer)! / 1000)} s with a ${fewer ?? 'usual'}-step first clip, ` +
      `${f(median(firstSound.usual)! / 1000)} s with the usual steps, ${firstSound.fewer.length} starts each interleaved (target < 4 s); ${load()}`,
  );

  // 3. CPU of the voice path per guild.
  for (const k of QUICK ? [1, 4] : [1, 2, 4]) {
    const guilds = world.guilds.slice(0, k).map((g) => world.client!.guilds.cache.get(g.guild.id)!);
    const players = await Promise.all(
      guilds.map(async (guild, i) => {
        const connection = await joinAndKeepConnected(guild, world.guilds[i].voice.id);
        const stream = new CrossfadeStream<RadioClipMeta>({ crossfadeSeconds: world.settings.crossfadeSeconds });
        stream.enqueue(sample!); // loops forever: the voice path alone, no generation
        const player = createAudioPlayer();
        connection.subscribe(player);
        player.play(createAudioResource(stream, { inputType: StreamType.Raw }));
        return { connection, player, stream };
      }),
    );
    await sleep(2000);
    const measure = async () => {
      const c = process.cpuUsage();
      const t = performance.now();
      await sleep(QUICK ? 5000 : 10_000);
      const d = process.cpuUsage(c);
      return (d.user + d.system) / 1000 / (performance.now() - t);
    };
    const playing = await measure();
    for (const p of players) p.player.pause();
    await sleep(500);
    const paused = await measure();
    for (const p of players) {
      p.player.stop(true);
      p.connection.destroy();
      p.stream.destroy();
    }
    console.log(`3. voice path CPU, ${k} guild(s): ${f(((playing - paused) / k) * 100, 1)}% of one core per guild (playing ${f(playing * 100, 1)}%, paused ${f(paused * 100, 1)}%; includes the stand-in's decryption); ${load()}`);
    await sleep(1000);
  }

  // 4. Radios one worker sustains.
  const sustainable = Math.floor(1 / median(rtf)!);
  const k = Math.min(world.guilds.length, Math.max(1, sustainable));
  const sessions: RadioSession[] = [];
  for (let i = 0; i < k; i++) {
    const g = world.guilds[i];
    g.users[0].setVoiceChannel(g.guild, g.voice);
    const botGuild = world.client!.guilds.cache.get(g.guild.id)!;
    await world.standin.waitFor(() => botGuild.voiceStates.cache.get(g.users[0].id)?.channelId === g.voice.id, 10_000, 'the bot to see the listener in the voice channel');
    sessions.push(await world.manager().start({ guild: world.client!.guilds.cache.get(g.guild.id)!, userId: g.users[0].id, textChannelId: g.text.id, prompt: `bench concurrent ${i}`, model: world.config.model }));
  }
  await world.standin.waitFor(() => sessions.every((s) => s.firstSoundAt !== null), 600_000, 'every radio to play');
  // Let the buffers fill, then count the loops while listening.
  await sleep(clipSeconds * 1000 * world.settings.bufferAhead);
  const loopsBefore = sessions.map((s) => s.status().loops);
  const t = performance.now();
  await sleep(20_000);
  const loops = sessions.map((s, i) => s.status().loops - loopsBefore[i]);
  const dropouts = world.guilds.slice(0, k).map((g) => playoutDropouts(world.voice.audio(g.guild.id).since(t), JITTER_BUFFER_MS).maxDropoutMs);
  console.log(
    `4. radios per worker: floor(1 / RTF) = ${sustainable}; played ${k} for 20 s: loops (next clip late) ${loops.join(', ')}, max dropout (${JITTER_BUFFER_MS} ms jitter buffer) ${dropouts.map((d) => f(d, 0)).join(', ')} ms -> ${loops.every((l) => l === 0) ? `${k} sustained` : `${k} not sustained: generation falls behind`}; ${load()}`,
  );
} finally {
  await world.stop();
}
