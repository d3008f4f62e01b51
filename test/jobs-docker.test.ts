/**
 * What can be checked here of docker/ without a Docker daemon (none runs on this machine, and
 * hadolint is not installed): compose.yaml parses, Redis persistence is on, the workers' environment
 * passes the worker's own config validation, and every path the Dockerfiles copy or run exists.
 * The images themselves are unbuilt and unrun here; the worker image's file layout is assembled,
 * built and started without Docker.
 */
import { execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workerConfigFromEnv } from '../src/jobs/config.ts';
import { deletePrefix, SHARED_REDIS, testPrefix } from './support/jobs-harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DOCKER = join(ROOT, 'docker');

interface Service {
  environment?: Record<string, string>;
  command?: string[];
  deploy?: { replicas?: string | number };
  stop_grace_period?: string;
  build?: { context: string; dockerfile: string };
  volumes?: string[];
}

const compose = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };

/** Compose's ${VAR:-default} with no VAR set. */
function withDefaults(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));
}

describe('docker/compose.yaml', () => {
  it('runs Redis with append-only persistence on a named volume', () => {
    const redis = compose.services.redis;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it.each(['worker', 'worker-gpu'])('%s environment passes the worker config check, with a stop grace above the job grace', (name) => {
    const s = compose.services[name];
    const cfg = workerConfigFromEnv(withDefaults(s.environment ?? {}));
    expect(cfg.redisUrl).toBe('redis://redis:6379');
    expect(cfg.models).toEqual(['riffcord-small']);
    expect(Number.parseInt(s.stop_grace_period ?? '0', 10)).toBeGreaterThan(cfg.shutdownGraceSeconds);
  });

  it('scales CPU workers with WORKERS and builds every service from a Dockerfile that exists', () => {
    expect(compose.services.worker.deploy?.replicas).toBe('${WORKERS:-2}');
    for (const s of Object.values(compose.services)) {
      if (!s.build) continue;
      expect(s.build.context).toBe('..');
      expect(existsSync(join(DOCKER, s.build.context, s.build.dockerfile))).toBe(true);
    }
  });
});

describe('Dockerfiles', () => {
  it.each(['Dockerfile.bot', 'Dockerfile.worker', 'Dockerfile.worker-gpu'])('%s copies paths that exist and installs ffmpeg', (file) => {
    const text = readFileSync(join(DOCKER, file), 'utf8');
    expect(text).toMatch(/apt-get install[^\n]*ffmpeg/);
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1].split(/\s+/)) expect(existsSync(join(ROOT, src)), `${file}: COPY ${src}`).toBe(true);
    }
  });

  // Images run the compiled build, made in the image (no tsx loader at start): the command is the
  // dist/ twin of the source module, and the Dockerfile builds it from the sources it copies.
  const compiledCmd = (file: string): string => {
    const text = readFileSync(join(DOCKER, file), 'utf8');
    expect(text).toMatch(/^COPY src \.\/src$/m);
    expect(text).toMatch(/^RUN node scripts\/build\.mjs$/m);
    const args = JSON.parse(/^CMD (\[.*\])$/m.exec(text)?.[1] ?? '[]') as string[];
    expect(args.slice(0, -1)).toEqual(['node']);
    const entry = args.at(-1)!;
    expect(entry).toMatch(/^dist\/.+\.js$/);
    return entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
  };

  it('worker images run the compiled worker entry point', () => {
    for (const file of ['Dockerfile.worker', 'Dockerfile.worker-gpu']) {
      expect(compiledCmd(file)).toBe('src/jobs/worker-main.ts');
    }
  });

  it('the bot image runs the compiled module `npm run bot` runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const source = compiledCmd('Dockerfile.bot');
    expect(pkg.scripts.bot).toBe(`tsx ${source}`);
    expect(existsSync(join(ROOT, source))).toBe(true);
  });
});

// No Docker daemon here: the worker image's file layout is assembled from the Dockerfile's own COPY
// lines (its npm install replaced by this checkout's node_modules, its models volume by models/),
// its RUN build step is run, and its CMD is started against the test Redis until it says ready.
describe('the worker image layout, without Docker', () => {
  it('builds from what Dockerfile.worker copies and starts the worker from dist/', async () => {
    const text = readFileSync(join(DOCKER, 'Dockerfile.worker'), 'utf8');
    const app = mkdtempSync(join(tmpdir(), 'riffcord-image-'));
    const prefix = testPrefix();
    try {
      for (const m of text.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
        // Docker's rule: a destination ending in "/" is a folder that receives each source by name.
        const dest = resolve(app, m[2]);
        for (const src of m[1].split(/\s+/)) cpSync(join(ROOT, src), m[2].endsWith('/') ? join(dest, basename(src)) : dest, { recursive: true });
      }
      symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      for (const m of text.matchAll(/^RUN (node .+)$/gm)) execSync(m[1], { cwd: app, stdio: 'pipe' });
      const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]) as string[];
      const child = spawn(cmd[0], cmd.slice(1), {
        cwd: app,
        env: { ...process.env, REDIS_URL: SHARED_REDIS, REDIS_PREFIX: prefix, RIFFCORD_MODELS_DIR: join(ROOT, 'models'), METRICS_PORT: '0', RIFFCORD_NO_DIST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      try {
        const deadline = Date.now() + 60_000;
        while (!out.includes('"worker ready"') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
        expect(out, out.slice(-2000)).toContain('"worker ready"');
        // the compiled build ran, not the sources through tsx
        expect(existsSync(join(app, 'dist', 'jobs', 'worker-main.js'))).toBe(true);
        expect(out).not.toMatch(/tsx|Cannot find/);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    } finally {
      await deletePrefix(SHARED_REDIS, prefix);
      rmSync(app, { recursive: true, force: true });
    }
  }, 90_000);
});
