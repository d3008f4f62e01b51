/**
 * Bot latency as users see it, on this machine: from a slash command to its first visible
 * response (the deferred "thinking" reply) and to the finished result, with 1 user and with 30
 * users at once. Everything is real except Discord (the local stand-in): the bot, Redis, one
 * worker process running the project's model (models/riffcord-small) when installed, otherwise
 * the tiny test model (the table says which).
 *
 *   npx tsx bench/bot.ts [--single 5] [--crowd 30]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { percentile } from '../src/jobs/eta.ts';
import type { InteractionHandle, MessageSnapshot } from '../test/standin/index.ts';
import { BotWorld, TINY_MODEL_DIR } from '../test/support/bot-harness.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SINGLE_RUNS = flag('single', 5);
const CROWD = flag('crowd', 30);

const projectModel = resolve(import.meta.dirname, '../models/riffcord-small');
const hasProjectModel = existsSync(resolve(projectModel, 'unet')) && existsSync(resolve(projectModel, 'riffcord.json'));
const modelDir = hasProjectModel ? projectModel : TINY_MODEL_DIR;

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

interface Sample {
  firstMs: number;
  resultMs: number;
}

async function measure(world: BotWorld, h: InteractionHandle): Promise<Sample> {
  const ack = await h.waitForAck(10_000);
  const result = await h.waitForOriginal(isResult, 30 * 60_000);
  return { firstMs: ack.latencyMs, resultMs: result.at - h.record.dispatchedAt };
}

function row(label: string, samples: Sample[]): string {
  const f = samples.map((s) => s.firstMs);
  const r = samples.map((s) => s.resultMs);
  const ms = (v: number | null) => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
  return `| ${label.padEnd(14)} | ${String(samples.length).padStart(4)} | ${ms(percentile(f, 50)).padStart(8)} | ${ms(percentile(f, 95)).padStart(8)} | ${ms(percentile(r, 50)).padStart(9)} | ${ms(percentile(r, 95)).padStart(9)} |`;
}

const world = await BotWorld.start({
  worker: 'tiny',
  modelDir,
  users: Math.max(CROWD, 1),
  env: {
    LIMIT_USER_IN_FLIGHT: '5',
    LIMIT_USER_PER_MINUTE: '1000',
    LIMIT_GUILD_IN_FLIGHT: '1000',
    LIMIT_GUILD_PER_MINUTE: '1000',
    MAX_QUEUE_LENGTH: '1000',
    LOG_LEVEL: 'warn',
  },
});
try {
  const single: Sample[] = [];
  for (let i = 0; i < SINGLE_RUNS; i++) {
    const h = world.users[0].runSlashCommand(world.guild, world.channel, 'riff', { prompt: `bench solo ${i}`, seed: 100 + i });
    single.push(await measure(world, h));
  }
  const crowdHandles = world.users.slice(0, CROWD).map((u, i) => u.runSlashCommand(world.guild, world.channel, 'riff', { prompt: `bench crowd ${i}`, seed: 1000 + i }));
  const crowd = await Promise.all(crowdHandles.map((h) => measure(world, h)));
  const model = hasProjectModel ? 'riffcord-small (project model)' : 'tiny-sd (test model; riffcord-small not installed)';
  console.log(`\nbot bench: model ${model}, 1 worker process (concurrency 1), Discord stand-in on loopback, Redis ${world.config.redisUrl}`);
  console.log('| users at once  | jobs | first p50 | first p95 | result p50 | result p95 |');
  console.log('|----------------|------|----------|----------|-----------|-----------|');
  console.log(row('1', single));
  console.log(row(String(CROWD), crowd));
  console.log('first = command to the deferred reply the user sees; result = command to the finished message (embed, PNG, audio).');
} finally {
  await world.stop();
}
