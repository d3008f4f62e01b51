/**
 * The studio's HTTP server: the built page, its configuration, one WebSocket per page for clip
 * events, the clips' audio and spectrograms, and listen-along pages behind signed links.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import sharp from 'sharp';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import type { RadioSettings } from '../voice/settings.ts';
import { ClipCache } from './clip-cache.ts';
import type { StudioConfig } from './config.ts';
import { listenRefusal, verifyListenToken } from './listen-token.ts';
import { connect } from '../jobs/connection.ts';
import { ListenRelay } from './listen-relay.ts';
import { TIMELINE_IMAGE, type ServerMessage, type StudioConfig as PageConfig } from './protocol.ts';
import { queueState } from './queue-state.ts';
import { StudioSession } from './session.ts';

export const DENOISING_PRESETS = [
  { label: 'Keep the beat', value: 0.55 },
  { label: 'Balanced', value: 0.75 },
  { label: 'Loose', value: 0.85 },
  { label: 'Free', value: 0.95 },
];
const STATUS_INTERVAL_MS = 3000;

export interface StudioServerDeps {
  config: StudioConfig;
  radio: RadioSettings;
  jobs: JobsClient;
  log: Logger;
  /** Folder of the built page (Vite's output). */
  pageDir: string;
  seedImages: string[];
}

export interface StudioServer {
  app: FastifyInstance;
  clips: ClipCache;
  close(): Promise<void>;
}

export async function buildStudioServer(d: StudioServerDeps): Promise<StudioServer> {
  if (!existsSync(join(d.pageDir, 'index.html'))) throw new Error(`the studio page is not built (no ${join(d.pageDir, 'index.html')}); run npm run studio:build`);
  const app = Fastify({ loggerInstance: d.log.child({ part: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  const clips = new ClipCache();
  const listen = d.config.secret ? new ListenRelay(connect(d.config.redisUrl), connect(d.config.redisUrl), d.config.prefix, clips, d.log) : null;
  const sockets = new Set<WebSocket>();
  const send = (ws: WebSocket, m: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const seedImages = d.seedImages.filter((s) => !s.startsWith('mask_'));

  await app.register(fastifyWebsocket, { options: { maxPayload: 16 * 1024 } });
  await app.register(fastifyStatic, { root: d.pageDir, prefix: '/', index: ['index.html'], preCompressed: true,
    // Vite names assets after their content: they never change under one name.
    setHeaders: (res, path) => res.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });

  const pageConfig: PageConfig = {
    model: d.config.model,
    maxPromptChars: d.config.maxPromptChars,
    crossfadeSeconds: d.radio.crossfadeSeconds,
    bufferAhead: d.radio.bufferAhead,
    transitionClips: d.radio.plan.transitionSteps,
    denoisingPresets: DENOISING_PRESETS,
    seedImages,
    // None chosen: radio-clip jobs then take the model's beat loop for the prompt's style (one per
    // tempo in riffcord-small), and the page joins those clips on the beat.
    defaultSeedImage: '',
  };
  app.get('/api/config', async () => pageConfig);

  app.get<{ Params: { id: string }; Querystring: { download?: string } }>('/api/clips/:id/audio', async (req, reply) => {
    const clip = clips.get(req.params.id);
    if (!clip) return reply.code(404).type('text/plain').send('This clip is no longer kept by the studio.');
    if (req.query.download) reply.header('content-disposition', `attachment; filename="${clip.name}${clip.ext}"`);
    return reply.type(clip.mime).header('cache-control', 'private, max-age=3600').send(Buffer.from(clip.audio));
  });
  app.get<{ Params: { id: string }; Querystring: { size?: string } }>('/api/clips/:id/png', async (req, reply) => {
    const clip = clips.get(req.params.id);
    if (!clip) return reply.code(404).type('text/plain').send('This clip is no longer kept by the studio.');
    let png = clip.png;
    if (req.query.size === 'timeline') {
      clip.timelinePng ??= sharp(clip.png).resize(TIMELINE_IMAGE.width, TIMELINE_IMAGE.height, { fit: 'fill' }).toColourspace('b-w').png().toBuffer();
      png = await clip.timelinePng;
    }
    return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(Buffer.from(png));
  });

  // The studio: one session per page.
  // The bot's steps limit holds for RADIO_STEPS too (STUDIO_STEPS is checked against it at start).
  const wanted = d.config.steps ?? d.radio.plan.steps;
  const steps = wanted ? Math.min(wanted, d.config.maxSteps) : wanted;
  const plan = { exploreSteps: d.radio.plan.exploreSteps, transitionSteps: d.radio.plan.transitionSteps, guidance: d.radio.plan.guidance, ...(steps ? { steps } : {}) };
  app.get('/api/ws', { websocket: true }, (ws, req) => {
    sockets.add(ws);
    const session = new StudioSession({
      jobs: d.jobs,
      clips,
      log: d.log,
      model: d.config.model,
      requester: { userId: `studio:${req.ip}` },
      plan,
      maxPromptChars: d.config.maxPromptChars,
      seedImages,
      bufferAhead: d.radio.bufferAhead,
      maxQueueLength: d.config.maxQueueLength,
      clipTimeoutMs: d.config.clipTimeoutSeconds * 1000,
      send: (m) => send(ws, m),
    });
    ws.on('message', (data) => session.handle(String(data)));
    ws.on('close', () => {
      session.close();
      sockets.delete(ws);
    });
    void pushStatus([ws]);
  });

  // Listen-along: the page behind a signed link, and its socket.
  const refuse = (token: string) => {
    if (!d.config.secret || !listen) return 'Listen-along is not enabled on this studio (STUDIO_SECRET is not set).';
    const v = verifyListenToken(d.config.secret, token);
    return v.ok ? null : listenRefusal(v.reason);
  };
  app.get<{ Params: { token: string } }>('/listen/:token', async (req, reply) => {
    const why = refuse(req.params.token);
    if (why) return reply.code(403).type('text/html; charset=utf-8').send(refusalPage(why));
    return reply.sendFile('index.html');
  });
  app.get<{ Params: { token: string } }>('/api/listen/:token', { websocket: true }, (ws, req) => {
    const why = refuse(req.params.token);
    const verdict = d.config.secret ? verifyListenToken(d.config.secret, req.params.token) : null;
    if (why || !verdict?.ok || !listen) {
      send(ws, { type: 'error', message: why ?? 'refused', retryAfterSeconds: null });
      ws.close(4403, 'refused');
      return;
    }
    const leave = listen.join(verdict.guildId, (m) => send(ws, m));
    ws.on('close', leave);
  });

  async function pushStatus(to: Iterable<WebSocket>): Promise<void> {
    try {
      const s = await queueState(d.jobs, d.config.model);
      const m: ServerMessage = { type: 'status', workerLive: s.workerLive, queueWaiting: s.waiting };
      for (const ws of to) send(ws, m);
    } catch (err) {
      d.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'studio could not read the queue state');
    }
  }
  const timer = setInterval(() => void pushStatus(sockets), STATUS_INTERVAL_MS);
  timer.unref();

  return {
    app,
    clips,
    async close() {
      clearInterval(timer);
      for (const ws of sockets) ws.close(1001, 'the studio is stopping');
      await app.close();
      await listen?.close();
    },
  };
}

function refusalPage(message: string): string {
  const text = message.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>riffcord: link refused</title></head><body style="font-family:system-ui;background:#111;color:#eee;padding:2em"><h1>Listen-along</h1><p id="refused">${text}</p></body></html>`;
}
