/**
 * Real redis-server processes on loopback ports for the high-availability tests: a primary with a
 * replica watched by one Sentinel (quorum 1), and a six-node Redis Cluster (three primaries, each
 * with a replica). Short failure-detection times so a failover takes seconds; logs in each set's folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './jobs-harness.ts';

class Server {
  exited: Promise<void>;
  constructor(
    readonly port: number,
    readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((r) => proc.once('exit', () => r()));
  }
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

async function untilAnswers(port: number, check: (r: Redis) => Promise<boolean> = async (r) => (await r.ping()) === 'PONG', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      if (await check(r)) return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not get ready within ${timeoutMs} ms`);
    await new Promise((s) => setTimeout(s, 100));
  }
}

function serve(dir: string, port: number, args: string[]): Server {
  return new Server(port, spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, `redis-${port}.log`), ...args], { stdio: 'ignore' }));
}

export class SentinelSet {
  static readonly NAME = 'riffcord-primary';
  private constructor(
    private readonly dir: string,
    readonly primary: Server,
    readonly replica: Server,
    readonly sentinel: Server,
  ) {}

  get url(): string {
    return `redis-sentinel://127.0.0.1:${this.sentinel.port}/${SentinelSet.NAME}`;
  }

  static async start(): Promise<SentinelSet> {
    const dir = mkdtempSync(join(tmpdir(), 'riffcord-sentinel-'));
    const [p, r, s] = [await freePort(), await freePort(), await freePort()];
    const primary = serve(dir, p, []);
    await untilAnswers(p);
    const replica = serve(dir, r, ['--replicaof', '127.0.0.1', String(p)]);
    await untilAnswers(r, async (c) => /master_link_status:up/.test(await c.info('replication')));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, [
      `port ${s}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${SentinelSet.NAME} 127.0.0.1 ${p} 1`,
      `sentinel down-after-milliseconds ${SentinelSet.NAME} 1000`,
      `sentinel failover-timeout ${SentinelSet.NAME} 5000`,
      '',
    ].join('\n'));
    const sentinel = new Server(s, spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    // Ready once the sentinel has found the replica through the primary.
    await untilAnswers(s, async (c) => ((await c.call('SENTINEL', 'REPLICAS', SentinelSet.NAME)) as unknown[]).length > 0);
    return new SentinelSet(dir, primary, replica, sentinel);
  }

  /** The port of the primary Sentinel names now. */
  async primaryPort(): Promise<number> {
    const r = new Redis({ port: this.sentinel.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SentinelSet.NAME)) as [string, string];
      return Number(port);
    } finally {
      r.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.sentinel.kill(), this.replica.kill(), this.primary.kill()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RedisClusterSet {
  private constructor(
    private readonly dir: string,
    readonly nodes: Server[],
  ) {}

  get url(): string {
    return `redis-cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  static async start(): Promise<RedisClusterSet> {
    const dir = mkdtempSync(join(tmpdir(), 'riffcord-cluster-'));
    const nodes: Server[] = [];
    for (let i = 0; i < 6; i++) {
      const port = await freePort();
      nodes.push(serve(dir, port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0']));
    }
    for (const n of nodes) await untilAnswers(n.port);
    const made = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
    // Ready when the cluster is and every replica holds a live link to its primary (a replica that
    // never synced would be promoted empty).
    for (const n of nodes) {
      await untilAnswers(n.port, async (c) => {
        if (!/cluster_state:ok/.test((await c.call('CLUSTER', 'INFO')) as string)) return false;
        const repl = await c.info('replication');
        return /role:master/.test(repl) || /master_link_status:up/.test(repl);
      }, 60_000);
    }
    return new RedisClusterSet(dir, nodes);
  }

  /** The node serving `key`'s slot as primary now. */
  async primaryOf(key: string): Promise<Server> {
    for (const n of this.nodes) {
      if (n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
      const r = new Redis({ port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      try {
        const slot = (await r.call('CLUSTER', 'KEYSLOT', key)) as number;
        const ranges = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const owner = ranges.find(([a, b]) => slot >= a && slot <= b)![2][1];
        return this.nodes.find((x) => x.port === owner)!;
      } finally {
        r.disconnect();
      }
    }
    throw new Error('no cluster node answers');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
