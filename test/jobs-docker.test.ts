/**
 * What can be checked here of docker/ without a Docker daemon (none runs on this machine, and
 * hadolint is not installed): compose.yaml parses, Redis persistence is on, the workers' environment
 * passes the worker's own config validation, and every path the Dockerfiles copy or run exists.
 * The images themselves are unbuilt and unrun here.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { workerConfigFromEnv } from '../src/jobs/config.ts';

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

  it('worker images run the worker entry point', () => {
    for (const file of ['Dockerfile.worker', 'Dockerfile.worker-gpu']) {
      const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(DOCKER, file), 'utf8'))?.[1];
      const args = JSON.parse(cmd ?? '[]') as string[];
      expect(args.at(-1)).toBe('src/jobs/worker-main.ts');
      expect(existsSync(join(ROOT, args.at(-1)!))).toBe(true);
    }
  });

  it('the bot image runs the script `npm run bot` runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(DOCKER, 'Dockerfile.bot'), 'utf8'))?.[1] ?? '[]') as string[];
    expect(pkg.scripts.bot).toBe(`tsx ${cmd.at(-1)}`);
    expect(existsSync(join(ROOT, cmd.at(-1)!))).toBe(true);
  });
});
