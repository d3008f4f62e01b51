/**
 * Studio benchmark (`npm run bench:studio`, or `npm run bench -- studio`): the web studio as a
 * browser uses it, on the embedded model, with `src/studio/main.ts` (what `npm run studio` runs)
 * and its in-process worker, and Debian's chromium. Prints:
 *  1. time from opening the page (navigation start; prompt typed and play pressed at once) to the first sound,
 *     median of N fresh pages, beside the baseline measured in the same run: one clip of the
 *     same kind made straight through the job client (enqueue to result);
 *  2. the page's transfer size on first load (brotli, as served) against its uncompressed size;
 *     and the audio it fetches per minute of music;
 *  3. over two minutes of playback: clips played, clips scheduled without a gap (each starting
 *     exactly at the previous one's crossfade), repeats while generation was behind;
 *  4. CPU of the browser's processes while playing, against the same page loaded and idle.
 * --quick: 2 first-sound runs and 60 s of playback.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobsClient } from '../src/jobs/client.ts';
import { median } from '../src/jobs/eta.ts';
import { ensurePageBuilt, PAGE_DIR } from '../src/studio/page-build.ts';
import { DEFAULT_RADIO_SETTINGS } from '../src/voice/settings.ts';
import { initialPlan, planNext } from '../src/voice/plan.ts';
import { openPage } from '../test/support/browser.ts';
import { deletePrefix, SHARED_REDIS, startWorkerChild, stopChild, testPrefix } from '../test/support/jobs-harness.ts';
import { contiguityProblems, probe, waitForProbe } from '../test/support/studio-page.ts';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 2 : 3;
const PLAY_SECONDS = QUICK ? 60 : 120;
const f = (n: number, d = 2) => n.toFixed(d);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICKS = 100; // USER_HZ on Linux

/** utime+stime (ticks) of every process whose command line names this browser profile. */
function browserTicks(profile: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while being read
    }
  }
  return ticks;
}

await ensurePageBuilt();
const prefix = testPrefix();
const studio = await startWorkerChild({ redisUrl: SHARED_REDIS, prefix, models: 'riffcord-small', entry: 'src/studio/main.ts', extra: { STUDIO_PORT: '0', STUDIO_CLIPS_PER_MINUTE: '600' }, readyTimeoutMs: 180_000 });
const url = String((await studio.waitForLog((l) => l.msg === 'studio listening', 30_000)).address);
console.log(`studio bench: riffcord-small, in-process worker, chromium ${QUICK ? '(quick)' : ''}; cpus shared with other work (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
try {
  // Baseline: the same kind of clip straight through the job client.
  const jobs = new JobsClient({ redisUrl: SHARED_REDIS, prefix, limits: { userInFlight: 5, userPerMinute: 600, guildInFlight: 5, guildPerMinute: 600, maxQueueLength: 100, inflightTtlMs: 600_000 } });
  const direct: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const planned = planNext(initialPlan(`bench baseline ${i}, warm synth pads`, 1000 + i), { ...DEFAULT_RADIO_SETTINGS.plan, seedImageId: 'og_beat', model: 'riffcord-small' }).clip;
    const t = performance.now();
    const h = await jobs.enqueue({ kind: 'radio-clip', request: planned.request, sessionId: 'bench' }, { requester: { userId: 'bench' }, format: 'opus' });
    await h.result(600_000);
    if (i > 0) direct.push(performance.now() - t); // the first warms the model up
  }
  await jobs.close();

  // 1. Page open to first sound, fresh pages.
  const first: number[] = [];
  let transfer = 0;
  for (let i = 0; i < RUNS; i++) {
    const tab = await openPage('about:blank');
    let bytes = 0;
    tab.page.on('requestfinished', (r) => void r.sizes().then((s) => (bytes += r.url().includes('/api/clips/') ? 0 : s.responseBodySize + s.responseHeadersSize)).catch(() => undefined));
    const t = performance.now();
    await tab.page.goto(url);
    await tab.page.waitForFunction("document.getElementById('seed-image').options.length > 1");
    await tab.page.fill('#prompt', `bench page ${i}, warm synth pads`);
    await tab.page.click('#play');
    await waitForProbe(tab.page, (p) => p.scheduled.length > 0, 600_000, 'the first clip');
    // The first clip is scheduled a few ms ahead: sound starts at its start time on the page's clock.
    const p = await probe(tab.page);
    first.push(performance.now() - t + Math.max(0, p.scheduled[0].start - p.ctxTime) * 1000);
    if (i === 0) transfer = bytes;
    await tab.close();
  }
  const raw = readdirSync(join(PAGE_DIR, 'assets')).filter((n) => !/\.(br|gz)$/.test(n)).reduce((s, n) => s + readFileSync(join(PAGE_DIR, 'assets', n)).length, readFileSync(join(PAGE_DIR, 'index.html')).length);
  const fs = median(first)!;
  const base = median(direct)!;
  console.log(`1. page open -> first sound: median ${f(fs / 1000)} s of ${RUNS} fresh pages; one clip straight through the queue ${f(base / 1000)} s (ratio ${f(fs / base)})`);
  console.log(`   runs: page ${first.map((x) => f(x / 1000, 1)).join(', ')} s; direct ${direct.map((x) => f(x / 1000, 1)).join(', ')} s`);
  console.log(`2. page transfer on first load: ${f(transfer / 1024, 1)} KiB as served (brotli) vs ${f(raw / 1024, 1)} KiB uncompressed (ratio ${f(transfer / raw)})`);

  // 3 + 4. Two minutes of playback; CPU idle vs playing.
  const tab = await openPage(url);
  await tab.page.waitForFunction("document.getElementById('seed-image').options.length > 1");
  const idle0 = browserTicks(tab.profile);
  await sleep(10_000);
  const idleCpu = (browserTicks(tab.profile) - idle0) / TICKS / 10;
  await tab.page.fill('#prompt', 'bench playback, lofi hip hop beat');
  await tab.page.click('#play');
  const started = await waitForProbe(tab.page, (p) => p.scheduled.length > 0, 600_000, 'the first clip');
  const t0 = started.scheduled[0].start;
  await waitForProbe(tab.page, (p) => p.ctxTime > t0 + 2, 30_000, 'playback to run');
  const cpu0 = browserTicks(tab.profile);
  const wall0 = performance.now();
  await waitForProbe(tab.page, (p) => p.ctxTime >= t0 + PLAY_SECONDS, (PLAY_SECONDS + 60) * 1000, `${PLAY_SECONDS} s of playback`);
  const playCpu = (browserTicks(tab.profile) - cpu0) / TICKS / ((performance.now() - wall0) / 1000);
  // The same playback with the timeline out of view (the page stops drawing it): the audio path alone.
  await tab.page.evaluate("document.getElementById('timeline').style.display = 'none'");
  await sleep(2000);
  const hidden0 = browserTicks(tab.profile);
  await sleep(20_000);
  const audioCpu = (browserTicks(tab.profile) - hidden0) / TICKS / 20;
  const p = await probe(tab.page);
  const played = p.scheduled.filter((s) => s.start < t0 + PLAY_SECONDS);
  const problems = contiguityProblems(played, p.crossfade);
  const softwareGl = await tab.page.evaluate('window.__studio.softwareGl');
  const fetched = (part: string) =>
    tab.page.evaluate((p) => (performance.getEntriesByType('resource') as unknown as { name: string; transferSize: number }[]).filter((e) => e.name.includes('/api/clips/') && e.name.includes(p)).reduce((s, e) => s + e.transferSize, 0), part);
  const audioBytes = await fetched('/audio');
  const pngBytes = await fetched('/png');
  await tab.close();
  const repeats = played.filter((s) => s.looped).length;
  console.log(`3. ${PLAY_SECONDS} s of playback: ${played.length} clips played, ${played.length - problems.length} of ${played.length} on the timeline without a gap, ${repeats} of them repeats while generation was behind (${played.length - repeats} new clips)`);
  console.log(`   fetched per minute of music: audio ${f(audioBytes / 1024 / (PLAY_SECONDS / 60), 0)} KiB (Ogg Opus 128 kb/s), timeline spectrograms ${f(pngBytes / 1024 / (PLAY_SECONDS / 60), 1)} KiB`);
  console.log(`4. browser CPU while playing: ${f(playCpu * 100, 1)}% of one core with the timeline drawn (WebGL ${softwareGl ? 'in software, SwiftShader: drawn at half resolution, 15 fps' : 'on a GPU, 30 fps'}), ${f(audioCpu * 100, 1)}% with it out of view; same page idle: ${f(idleCpu * 100, 1)}% (playing/idle ${f(playCpu / Math.max(idleCpu, 0.001), 1)}, timeline/audio only ${f(playCpu / Math.max(audioCpu, 0.001), 1)})`);
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores here, shared with other work: the figures are noisy)`);
} finally {
  await stopChild(studio);
  await deletePrefix(SHARED_REDIS, prefix);
}
