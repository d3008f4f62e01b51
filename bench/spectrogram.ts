/**
 * Spectrogram engine benchmark: image -> audio time and quality (mel spectral convergence, SC) per
 * reference image, the time split, a 256x256 riffcord-small image, the peers side by side in the
 * same run (the torchaudio peer: pseudo-inverse + 32 Griffin-Lim iterations, via Debian's
 * python3-torchaudio, in-process and whole-process, and riffcord's CLI as a whole process), SC
 * against iteration count, audio -> image time per 5.12 s clip, and peak RSS of each direction.
 * Run: npx tsx bench/spectrogram.ts [--runs N] [--quick]   (--quick: fewer images and sweep points)
 * Timings on a shared machine are noisy: each figure is a median, runs interleave, and ratios
 * against the peer measured in the same run are the sturdy figures.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../bin/dist-fresh.js';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { DEFAULT_FOLLOW_MEL_FROM, DEFAULT_REFINE_ITERATIONS, melToAudio, type MelToAudioOptions } from '../src/pipeline/spectrogram/converter.ts';
import { DEFAULT_GLA_ITERATIONS } from '../src/pipeline/spectrogram/griffin-lim.ts';
import { decodeImageFile } from '../src/pipeline/spectrogram/image.ts';
import { audioFileToImage } from '../src/pipeline/spectrogram/index.ts';
import { melSpectralConvergence } from '../src/pipeline/spectrogram/quality.ts';
import { gridPlan } from '../src/pipeline/spectrogram/stft.ts';
import { RIFFUSION_DEFAULTS, withDefaults } from '../src/pipeline/spectrogram/params.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const REF = resolve(process.env.RIFFCORD_SHARED_REFERENCE ?? resolve(here, '../test/fixtures/reference'), 'riffusion');
const CLIPS = ['clip_0_start_15795_ms_duration_5678_ms', 'clip_2_start_103694_ms_duration_5678_ms'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 1 : 3;
// The independent reference scorer (Debian torchaudio), when the checkout sits beside it.
const MELSC = process.env.RIFFCORD_MELSC ?? resolve(here, '../../shared/tools/melsc.py');
const PEER = resolve(here, 'peers/torchaudio_peer.py');
const CLI = resolve(here, '../bin/riffcord.js');
const SMALL_MODEL = resolve(here, '../models/riffcord-small/riffcord.json');

const median = (a: number[]) => {
  const s = a.slice().sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function child(direction: string): Promise<void> {
  const t = performance.now();
  if (direction === 'i2a') {
    const d = await decodeImageFile(readFileSync(resolve(REF, 'model_outputs/funky_sax.png')));
    await melToAudio(d.mel, d.params, { seed: 0 });
  } else {
    await audioFileToImage(resolve(REF, `${CLIPS[0]}.wav`), { durationSeconds: 5.12 });
  }
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024, ms }));
  process.exit(0);
}

/** Median microseconds of one forward + one inverse phase-grid frame transform: the unit of the work. */
function frameTransformUs(): number {
  const plan = gridPlan(RIFFUSION_DEFAULTS, 'phase');
  const seg = Float64Array.from({ length: plan.window.length }, (_, i) => Math.sin(i * 0.37));
  const re = new Float64Array(plan.maxBin + 1);
  const im = new Float64Array(plan.maxBin + 1);
  const samples: number[] = [];
  for (let b = 0; b < 9; b++) {
    const t = performance.now();
    for (let i = 0; i < 40; i++) {
      plan.transform.forward(seg, re, im);
      plan.transform.inverse(re, im, seg);
    }
    samples.push(((performance.now() - t) / 40) * 1000);
  }
  return median(samples);
}

function scOfFile(image: string, wav: string): string {
  if (!existsSync(MELSC) || !existsSync('/usr/bin/python3')) return 'n/a';
  try {
    const out = execFileSync('/usr/bin/python3', [MELSC, image, wav], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /SC=([0-9.]+)/.exec(out)?.[1] ?? 'n/a';
  } catch {
    return 'n/a';
  }
}

function referenceSc(image: string, channels: Float32Array[], sampleRate: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'riffcord-bench-'));
  try {
    const wav = join(dir, 'out.wav');
    writeFileSync(wav, encodeWav(channels, sampleRate));
    return scOfFile(image, wav);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasTorchaudio = (): boolean => spawnSync('/usr/bin/python3', ['-c', 'import torchaudio'], { stdio: 'ignore' }).status === 0;

/** Wall time of a whole process, in ms, and its stdout. */
function timedProcess(cmd: string, argv: string[], env: Record<string, string> = {}): { ms: number; stdout: string; ok: boolean } {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { ms: performance.now() - t, stdout: r.stdout ?? '', ok: r.status === 0 };
}

/**
 * The peers on one image, run by run interleaved: the torchaudio peer (whole process, and its own
 * in-process time), riffcord's CLI image-to-audio as a whole process, and riffcord in-process.
 */
async function peers(image: string, runs: number): Promise<void> {
  if (!hasTorchaudio()) {
    console.log('\ntorchaudio peer: skipped (Debian python3-torchaudio is not installed)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'riffcord-peer-'));
  const d = await decodeImageFile(readFileSync(image));
  const loads: number[] = [];
  const rows = { peerWhole: [] as number[], peerIn: [] as number[], peerCpu: [] as number[], oursWhole: [] as number[], oursTsx: [] as number[], oursIn: [] as number[], oursCpu: [] as number[] };
  try {
    for (let r = 0; r < runs; r++) {
      const p = timedProcess('/usr/bin/python3', [PEER, image, join(dir, 'peer.wav')]);
      if (!p.ok) throw new Error('the torchaudio peer failed');
      rows.peerWhole.push(p.ms);
      const peerRun = JSON.parse(p.stdout.trim().split('\n').pop()!) as { ms: number; cpu_ms: number };
      rows.peerIn.push(peerRun.ms);
      rows.peerCpu.push(peerRun.cpu_ms);
      const o = timedProcess(process.execPath, [CLI, 'image-to-audio', image, join(dir, 'ours.wav'), '--seed', '0']);
      if (!o.ok) throw new Error('riffcord image-to-audio failed');
      rows.oursWhole.push(o.ms);
      // The same CLI with the sources through tsx (what it costs without the compiled build).
      const x = timedProcess(process.execPath, [CLI, 'image-to-audio', image, join(dir, 'ours-tsx.wav'), '--seed', '0'], { RIFFCORD_NO_DIST: '1' });
      if (!x.ok) throw new Error('riffcord image-to-audio (tsx) failed');
      rows.oursTsx.push(x.ms);
      loads.push(loadavg()[0]);
      const t = performance.now();
      const c0 = process.cpuUsage();
      await melToAudio(d.mel, d.params, { seed: 0 });
      rows.oursIn.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      rows.oursCpu.push((c.user + c.system) / 1000);
    }
    const m = (k: keyof typeof rows) => median(rows[k]);
    const name = image.split('/').pop();
    console.log(`\npeers on ${name}, ${runs} interleaved runs, medians (SC by melsc.py)`);
    console.log('program                                           whole process   in-process   in-process CPU   SC');
    console.log(`torchaudio peer (pinv + 32 GLA, n_fft 17640)      ${fmt(m('peerWhole')).padStart(13)}   ${fmt(m('peerIn')).padStart(10)}   ${fmt(m('peerCpu')).padStart(14)}   ${scOfFile(image, join(dir, 'peer.wav'))}`);
    console.log(`riffcord CLI through tsx (RIFFCORD_NO_DIST=1)     ${fmt(m('oursTsx')).padStart(13)}`);
    console.log(`riffcord (CLI image-to-audio${distIsFresh(resolve(here, '..')) ? ', compiled' : ', dist/ stale: tsx'} / melToAudio) ${fmt(m('oursWhole')).padStart(9)}   ${fmt(m('oursIn')).padStart(10)}   ${fmt(m('oursCpu')).padStart(14)}   ${scOfFile(image, join(dir, 'ours.wav'))}`);
    console.log(
      `ratio riffcord / peer: whole process ${(m('oursWhole') / m('peerWhole')).toFixed(3)} (1/${(m('peerWhole') / m('oursWhole')).toFixed(1)}), ` +
        `in-process ${(m('oursIn') / m('peerIn')).toFixed(3)} (1/${(m('peerIn') / m('oursIn')).toFixed(1)}), ` +
        `CPU time ${(m('oursCpu') / m('peerCpu')).toFixed(3)} (1/${(m('peerCpu') / m('oursCpu')).toFixed(1)}); target <= 1/20; ` +
        `whole process through tsx 1/${(m('peerWhole') / m('oursTsx')).toFixed(1)}; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A 256x256 image in riffcord-small's format, made from a reference clip (5.12 s at a 20 ms hop). */
async function smallModelImage(): Promise<{ name: string; d: Awaited<ReturnType<typeof decodeImageFile>> } | undefined> {
  if (!existsSync(SMALL_MODEL)) return undefined;
  const params = withDefaults((JSON.parse(readFileSync(SMALL_MODEL, 'utf8')) as { spectrogram: Record<string, number | boolean> }).spectrogram);
  const img = await audioFileToImage(resolve(REF, `${CLIPS[1]}.wav`), { params, durationSeconds: 5.1 });
  return { name: `clip_2 as riffcord-small ${img.width}x${img.height}`, d: await decodeImageFile(img.bytes) };
}

async function main(): Promise<void> {
  if (!existsSync(resolve(REF, 'reference.json'))) {
    console.log(`no Riffusion reference data at ${REF}; set RIFFCORD_SHARED_REFERENCE`);
    return;
  }
  console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}, runs ${RUNS}`);
  const phase = gridPlan(RIFFUSION_DEFAULTS, 'phase');
  const objective = gridPlan(RIFFUSION_DEFAULTS, 'objective');
  console.log(
    `defaults: PGHI start, ${DEFAULT_GLA_ITERATIONS} fast Griffin-Lim iterations on a ${phase.transform.n}-point grid (magnitudes follow the mel from iteration ${DEFAULT_FOLLOW_MEL_FROM}) + ` +
      `${DEFAULT_REFINE_ITERATIONS} L-BFGS mel-objective evaluations on a ${objective.transform.n}-point grid, inverse mel = interpolated envelope`,
  );
  const unitBefore = frameTransformUs();

  // 1. Image -> audio per image: median time, split, SC (ours and the reference scorer).
  const modelDir = resolve(REF, 'model_outputs');
  let images = readdirSync(modelDir).filter((f) => f.endsWith('.png')).map((f) => resolve(modelDir, f));
  images.push(...CLIPS.map((c) => resolve(REF, `${c}.png`)));
  const decoded = [];
  for (const file of images) {
    const d = await decodeImageFile(readFileSync(file));
    decoded.push({ file, name: file.split('/').pop()!.replace(/_start.*$/, '').replace('.png', ''), d, tall: readFileSync(file).readUInt32BE(20) });
  }
  const tested: Array<{ file: string; name: string; d: (typeof decoded)[number]['d'] }> = decoded.filter(
    (x) => x.tall === 512 && (!quick || /funky_sax\.|clip_2/.test(x.file)),
  );
  const small = await smallModelImage();
  if (small) tested.push({ file: '', ...small });
  const skipped = decoded.filter((x) => x.tall !== 512).map((x) => `${x.name} (${x.tall} px tall)`);
  const times = tested.map(() => [] as number[]);
  // CPU time of the process (both threads): steadier than wall time on a shared machine.
  const cpu = tested.map(() => [] as number[]);
  const splits = tested.map(() => [] as Array<Record<string, number>>);
  const results = new Array<{ channels: Float32Array[]; sampleRate: number } | undefined>(tested.length);
  // Warm-up (not timed): JIT, the audio worker thread's start and the WebAssembly FFT plans.
  await melToAudio(tested[0].d.mel, tested[0].d.params, { seed: 0 });
  for (let r = 0; r < RUNS; r++) {
    // Images take turns run by run, so load from other processes hits all of them alike.
    for (let i = 0; i < tested.length; i++) {
      const { d } = tested[i];
      const t = performance.now();
      const c0 = process.cpuUsage();
      const out = await melToAudio(d.mel, d.params, { seed: 0 });
      times[i].push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / 1000);
      splits[i].push({ ...out.timings });
      results[i] = out;
    }
  }
  const unitAfter = frameTransformUs();
  const unit = (unitBefore + unitAfter) / 2;
  console.log('\nimage -> audio (default options, seed 0)');
  console.log('image                               frames   median  CPU (2 thr)  inv-mel    PGHI   GLA  refine   SC(ours)  SC(melsc.py)');
  const scs: number[] = [];
  for (let i = 0; i < tested.length; i++) {
    const { d, name, file } = tested[i];
    const sc = melSpectralConvergence(d.mel, results[i]!.channels, d.params);
    scs.push(sc);
    const m = (k: string) => median(splits[i].map((s) => s[k]));
    const gla = m('griffinLimMs') - m('pghiMs') - m('refineMs');
    console.log(
      `${name.padEnd(36)}${String(d.mel.frames).padStart(6)} ${fmt(median(times[i])).padStart(8)} ${fmt(median(cpu[i])).padStart(12)} ${fmt(m('inverseMelMs')).padStart(9)} ${fmt(m('pghiMs')).padStart(7)} ${fmt(gla).padStart(6)} ${fmt(m('refineMs')).padStart(7)}   ${sc.toFixed(4)}     ${file ? referenceSc(file, results[i]!.channels, results[i]!.sampleRate) : 'n/a (not 512 tall)'}`,
    );
  }
  if (skipped.length) console.log(`not timed (not 512 tall): ${skipped.join(', ')}`);
  const all = times.filter((_, i) => tested[i].file !== '').flat();
  console.log(
    `median over the 512 x 512 images: ${fmt(median(all))}; phase-grid frame transform (fwd+inv) ${unit.toFixed(1)} us here ` +
      `(${DEFAULT_GLA_ITERATIONS} passes over 512 frames: ${fmt((DEFAULT_GLA_ITERATIONS * 512 * unit) / 1000)} of pure transform time on one thread)`,
  );
  console.log('Riffusion baseline (its own converter, 1 thread, measured): 77-108 s per 512x512 clip, SC 0.156 (clip_2) - 0.237 (og_beat)');

  // 1b. The peers, side by side.
  const funky = tested.find((x) => /funky_sax\./.test(x.file));
  if (funky) await peers(funky.file, RUNS);

  // 2. SC against iteration count.
  const sweepImage = funky ?? tested[0];
  const counts = quick ? [4, 8, 16] : [4, 8, 16, 32];
  console.log(`\nSC against passes (${sweepImage.name}; one pass = one forward + inverse transform per frame)`);
  console.log('passes  random GLA   PGHI GLA   PGHI GLA, mel-following   PGHI + mel-following GLA + 3 L-BFGS evaluations');
  for (const n of counts) {
    const row: string[] = [];
    const cases: MelToAudioOptions[] = [
      { initialPhaseMethod: 'random', iterations: n, refineIterations: 0, followMelFrom: -1 },
      { initialPhaseMethod: 'pghi', iterations: n, refineIterations: 0, followMelFrom: -1 },
      { initialPhaseMethod: 'pghi', iterations: n, refineIterations: 0 },
      { initialPhaseMethod: 'pghi', iterations: n, refineIterations: 3 },
    ];
    for (const c of cases) {
      const out = await melToAudio(sweepImage.d.mel, sweepImage.d.params, { seed: 0, normalization: { kind: 'none' }, ...c });
      row.push(melSpectralConvergence(sweepImage.d.mel, out.channels, sweepImage.d.params).toFixed(4));
    }
    console.log(`${String(n).padStart(6)}   ${row[0].padStart(10)}   ${row[1].padStart(8)}   ${row[2].padStart(23)}   ${row[3].padStart(12)} (+3)`);
  }

  // 3. Audio -> image per 5.12 s clip.
  const a2i: number[] = [];
  for (let r = 0; r < Math.max(5, RUNS); r++) {
    const t = performance.now();
    await audioFileToImage(resolve(REF, `${CLIPS[r % 2]}.wav`), { durationSeconds: 5.12 });
    a2i.push(performance.now() - t);
  }
  console.log(`\naudio -> image, 5.12 s clip (decode + STFT + mel + PNG): median ${fmt(median(a2i))} (target <= 0.3 s)`);

  // 4. Peak RSS of each direction, each in a fresh process.
  for (const dir of ['a2i', 'i2a']) {
    const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir], { encoding: 'utf8' });
    try {
      const r = JSON.parse(res.stdout) as { rssMb: number; ms: number };
      console.log(`peak RSS ${dir === 'a2i' ? 'audio -> image' : 'image -> audio'}: ${r.rssMb.toFixed(0)} MB (whole process incl. Node + tsx; target < 500 MB)`);
    } catch {
      console.log(`peak RSS ${dir}: child failed: ${res.stderr.slice(0, 300)}`);
    }
  }
  console.log(`\nworst SC over the timed images: ${Math.max(...scs).toFixed(4)}`);
}

const childArg = args.indexOf('--child');
if (childArg >= 0) await child(args[childArg + 1]);
else await main();
