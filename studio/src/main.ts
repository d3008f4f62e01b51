/**
 * The studio page: a prompt becomes endless music. The server plans and generates the clips (the
 * radio's plan: seed walks, alpha steps to a new prompt); this page keeps a few asked for ahead,
 * plays them gaplessly and draws them on the timeline. Under /listen/<token> it plays a guild's
 * radio instead, with its now-playing and votes.
 */
import type { ClientMessage, ClipInfo, RadioView, ServerMessage, StudioConfig } from '../../src/studio/protocol.ts';
import { Player, type Scheduled } from './player.ts';
import { readShared, shareUrl } from './share.ts';
import { Timeline } from './timeline.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  prompt: $<HTMLInputElement>('prompt'),
  denoising: $<HTMLSelectElement>('denoising'),
  seedImage: $<HTMLSelectElement>('seed-image'),
  seed: $<HTMLInputElement>('seed'),
  form: $<HTMLFormElement>('controls'),
  play: $<HTMLButtonElement>('play'),
  pause: $<HTMLButtonElement>('pause'),
  download: $<HTMLAnchorElement>('download'),
  share: $<HTMLButtonElement>('share'),
  shareLink: $<HTMLInputElement>('share-link'),
  nowPlaying: $('now-playing'),
  banner: $('banner'),
  progress: $('progress'),
  timeline: $('timeline'),
  radio: $('radio'),
  votes: $('votes'),
  round: $('round'),
  mode: $('mode'),
};

/** What tests and the benchmark read from the page. */
interface Probe {
  config: StudioConfig | null;
  scheduled: Scheduled<ClipInfo>[];
  received: ClipInfo[];
  errors: string[];
  behind: boolean;
  firstSoundAt: number | null;
  timeline: boolean;
  /** WebGL runs on the CPU: the timeline draws at a lower resolution and rate. */
  softwareGl: boolean;
  ctxTime(): number;
}
const probe: Probe = { config: null, scheduled: [], received: [], errors: [], behind: false, firstSoundAt: null, timeline: false, softwareGl: false, ctxTime: () => player?.ctx.currentTime ?? 0 };
(window as unknown as { __studio: Probe }).__studio = probe;

let config: StudioConfig;
let player: Player<ClipInfo> | null = null;
let timeline: Timeline | null = null;
let socket: WebSocket | null = null;
/** 'next' requests sent and not yet answered by a clip or an error. */
let asked = 0;
let retryTimer: number | null = null;
let workerLive = true;
let behind = false;
let lastError: string | null = null;
const listenToken = /^\/listen\/([^/]+)$/.exec(location.pathname)?.[1] ?? null;
/** Listen-along: clips count only once the listener pressed Listen (before that they would pile up behind the radio). */
let listening = false;
/**
 * Listen-along: the radio said it stopped. Counts the stops, so a clip still being fetched when
 * one comes is dropped; the page's music ends with the voice channel's.
 */
let radioStops = 0;
let radioStopped = false;
/** Timers that show each scheduled clip as it starts; a stop cancels those not yet due. */
const showTimers = new Set<number>();

function banner(text: string | null, kind: 'warn' | 'info' = 'warn'): void {
  ui.banner.hidden = !text;
  ui.banner.textContent = text ?? '';
  ui.banner.className = kind;
}

function refreshBanner(): void {
  if (!workerLive) banner('No worker is generating music right now, so new clips cannot be made. Start one with "npm run worker"; playback resumes when it is up.');
  else if (lastError) banner(lastError);
  else if (behind) banner('Generation is falling behind: the last clip repeats until the next one is ready.', 'info');
  else banner(null);
}

function send(m: ClientMessage): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(m));
}

/** Keeps `bufferAhead` clips asked for or waiting to play. */
function topUp(): void {
  if (listenToken || !player || retryTimer !== null) return;
  while (asked + player.queued < config.bufferAhead) {
    asked++;
    send({ type: 'next' });
  }
}

function promptMessage(withSeed: boolean): ClientMessage {
  const seed = ui.seed.value.trim() === '' ? undefined : Number(ui.seed.value);
  return { type: 'prompt', prompt: ui.prompt.value.trim(), denoising: Number(ui.denoising.value), seedImage: ui.seedImage.value, ...(withSeed && seed !== undefined ? { seed } : {}) };
}

function ensurePlayer(startDelay?: number): Player<ClipInfo> {
  if (player) return player;
  player = new Player<ClipInfo>(
    config.crossfadeSeconds,
    {
      onScheduled: (s) => {
        probe.scheduled.push(s);
        if (probe.firstSoundAt === null) probe.firstSoundAt = performance.now() + (s.start - s.scheduledAt) * 1000;
        void timeline?.add(s.meta.pngUrl, s.start, s.duration).catch(() => undefined);
        const timer = window.setTimeout(() => {
          showTimers.delete(timer);
          showPlaying(s);
        }, Math.max(0, (s.start - player!.ctx.currentTime) * 1000));
        showTimers.add(timer);
        topUp();
      },
      onBehind: (b) => {
        behind = probe.behind = b;
        refreshBanner();
      },
    },
    startDelay,
  );
  (window as unknown as { __studioCtx: AudioContext }).__studioCtx = player.ctx;
  try {
    timeline = new Timeline(ui.timeline, () => player?.ctx.currentTime ?? 0);
    probe.timeline = true;
    probe.softwareGl = timeline.software;
  } catch {
    ui.timeline.textContent = 'This browser cannot draw the 3D timeline (no WebGL); the music plays anyway.';
  }
  return player;
}

function showPlaying(s: Scheduled<ClipInfo>): void {
  const c = s.meta;
  const moving = c.target ? ` → moving to “${c.target}” (${Math.round(c.alpha * 100)}%)` : '';
  ui.nowPlaying.textContent = listenToken ? `Now playing: “${c.prompt}”${moving}` : `Now playing: “${c.prompt}” · seed ${c.seed}${moving}${s.looped ? ' (repeat)' : ''}`;
  ui.download.href = `${c.audioUrl}?download=1`;
  ui.download.download = c.fileName;
  ui.download.setAttribute('aria-disabled', 'false');
  ui.share.disabled = !!listenToken;
}

async function onClip(clip: ClipInfo): Promise<void> {
  if (!listenToken) asked = Math.max(0, asked - 1);
  else if (!listening) return;
  // A clip relayed after the stop belongs to a radio started again.
  radioStopped = false;
  const stops = radioStops;
  probe.received.push(clip);
  lastError = null;
  refreshBanner();
  const p = ensurePlayer(listenToken ? 2.5 : undefined);
  const res = await fetch(clip.audioUrl);
  if (!res.ok) {
    lastError = 'A clip could not be fetched from the studio.';
    refreshBanner();
    topUp();
    return;
  }
  const audio = await p.decode(await res.arrayBuffer());
  if (stops !== radioStops) return;
  p.add(audio, clip, clip.fadeInSeconds);
  topUp();
}

function onError(message: string, retryAfterSeconds: number | null): void {
  asked = Math.max(0, asked - 1);
  lastError = message;
  probe.errors.push(message);
  refreshBanner();
  if (retryAfterSeconds !== null && retryTimer === null && !listenToken) {
    retryTimer = window.setTimeout(() => {
      retryTimer = null;
      topUp();
    }, retryAfterSeconds * 1000);
  }
}

/** Listen-along: the radio stopped, so the page's music ends too (it would otherwise repeat the last clip). */
function endRadioMusic(): void {
  if (radioStopped) return;
  radioStopped = true;
  radioStops++;
  player?.stop();
  for (const t of showTimers) window.clearTimeout(t);
  showTimers.clear();
}

function showRadio(r: RadioView): void {
  ui.radio.hidden = false;
  if (r.stopped) {
    endRadioMusic();
    ui.nowPlaying.textContent = `The radio is not playing: ${r.stopped}`;
  } else if (!player?.started) ui.nowPlaying.textContent = `Radio: “${r.prompt}”${r.nextTarget ? ` → next “${r.nextTarget}”` : ''} · ${r.listeners} listening in the voice channel`;
  ui.votes.replaceChildren(
    ...(r.suggestions.length ? r.suggestions : [{ prompt: 'no suggestions yet (use /radio suggest in Discord)', votes: -1 }]).map((s) => {
      const li = document.createElement('li');
      li.textContent = s.votes >= 0 ? `${s.prompt}: ${s.votes} vote${s.votes === 1 ? '' : 's'}` : s.prompt;
      return li;
    }),
  );
  ui.round.textContent = r.round ? `Round ${r.round}${r.roundEndsAt ? `, ends at ${new Date(r.roundEndsAt).toLocaleTimeString()}` : ''}${r.nextTarget ? ` · moving to “${r.nextTarget}”` : ''}` : '';
}

function connect(): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${listenToken ? `/api/listen/${listenToken}` : '/api/ws'}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    if (!listenToken && player) {
      send(promptMessage(false));
      asked = 0;
      topUp();
    }
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data)) as ServerMessage;
    if (m.type === 'clip') void onClip(m.clip);
    else if (m.type === 'error') onError(m.message, m.retryAfterSeconds);
    else if (m.type === 'progress') ui.progress.textContent = `Making clip ${m.index + 1}: step ${m.step} of ${m.totalSteps}`;
    else if (m.type === 'status') {
      workerLive = m.workerLive;
      refreshBanner();
    } else if (m.type === 'radio') showRadio(m.radio);
  };
  ws.onclose = (ev) => {
    if (ev.code === 4403) return; // refused listen link: the error message says why
    banner('Lost the connection to the studio; reconnecting…');
    window.setTimeout(connect, 2000);
  };
}

async function start(): Promise<void> {
  const res = await fetch('/api/config');
  config = (await res.json()) as StudioConfig;
  probe.config = config;
  for (const p of config.denoisingPresets) ui.denoising.add(new Option(`${p.label} (${p.value})`, String(p.value)));
  ui.seedImage.add(new Option('auto (the style’s beat loop, where the model has one)', ''));
  for (const s of config.seedImages) ui.seedImage.add(new Option(s, s));
  ui.prompt.maxLength = config.maxPromptChars;
  ui.denoising.value = String(config.denoisingPresets[1]?.value ?? config.denoisingPresets[0].value);
  ui.seedImage.value = config.defaultSeedImage;

  const shared = readShared(location.search);
  if (shared.prompt) ui.prompt.value = shared.prompt;
  if (shared.seed !== null) ui.seed.value = String(shared.seed);
  if (shared.denoising !== null) {
    if (![...ui.denoising.options].some((o) => o.value === String(shared.denoising))) ui.denoising.add(new Option(`shared (${shared.denoising})`, String(shared.denoising)));
    ui.denoising.value = String(shared.denoising);
  }
  if (shared.seedImage !== null && [...ui.seedImage.options].some((o) => o.value === shared.seedImage)) ui.seedImage.value = shared.seedImage;

  if (listenToken) {
    ui.mode.textContent = 'listen-along';
    ui.form.querySelectorAll('label, #play, #share').forEach((el) => ((el as HTMLElement).hidden = true));
    ui.pause.disabled = false;
    ui.pause.textContent = '▶ Listen';
    ui.pause.onclick = () => {
      if (!listening) {
        listening = true;
        ensurePlayer(2.5);
        void player!.resume();
        ui.pause.textContent = '❚❚ Pause';
        return;
      }
      void togglePause();
    };
  } else {
    ui.form.onsubmit = (ev) => {
      ev.preventDefault();
      const m = promptMessage(!player);
      if (m.type === 'prompt' && !m.prompt) return;
      const first = !player;
      ensurePlayer();
      void player!.resume();
      send(m);
      ui.play.textContent = '↻ New prompt';
      ui.pause.disabled = false;
      if (first) topUp();
    };
    ui.pause.onclick = () => void togglePause();
    ui.share.onclick = () => {
      const c = player?.current()?.meta;
      if (!c) return;
      ui.shareLink.hidden = false;
      ui.shareLink.value = shareUrl(location.origin, { prompt: c.prompt, seed: c.seed, denoising: c.denoising, seedImage: c.seedImage });
      ui.shareLink.select();
      void navigator.clipboard?.writeText(ui.shareLink.value).catch(() => undefined);
    };
  }
  connect();
}

async function togglePause(): Promise<void> {
  if (!player) return;
  if (player.ctx.state === 'running') {
    await player.pause();
    ui.pause.textContent = '▶ Resume';
  } else {
    await player.resume();
    ui.pause.textContent = '❚❚ Pause';
  }
}

void start();
