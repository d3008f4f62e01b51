/**
 * The liveness thread of a worker process: renews the locks of the jobs the process runs and its
 * heartbeat, on its own Redis connection and event loop. A model step or a phase-recovery pass can
 * hold the main thread for seconds; renewals made here cannot be starved by it, so short locks (a
 * killed worker's job is taken over within seconds) do not turn long conversions into false stalls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Job, Queue } from 'bullmq';
import { connect } from './connection.ts';
import type { KeeperInit, KeeperReport, KeeperRequest } from './keeper-protocol.ts';
import { makeKeys } from './keys.ts';
import { Heartbeat } from './registry.ts';

const init = workerData as KeeperInit;
const port = parentPort!;
const report = (r: KeeperReport) => port.postMessage(r);
const onError = (err: unknown) => report({ type: 'error', message: err instanceof Error ? err.message : String(err) });

const redis = connect(init.redisUrl, onError);
const keys = makeKeys(init.prefix);
const heartbeat = new Heartbeat(redis, keys, init.beats, init.heartbeatTtlMs, onError);
const queues = new Map<string, Queue>();
const held = new Map<string, { queueName: string; token: string }>();

function queueFor(name: string): Queue {
  let q = queues.get(name);
  if (!q) {
    q = new Queue(name, { connection: redis, prefix: keys.queuePrefix });
    q.on('error', onError);
    queues.set(name, q);
  }
  return q;
}

async function renew(jobId: string): Promise<void> {
  const h = held.get(jobId);
  if (!h) return;
  try {
    const ok = await new Job(queueFor(h.queueName), 'lock', {}, {}, jobId).extendLock(h.token, init.lockDurationMs);
    if (!ok && held.get(jobId) === h) {
      held.delete(jobId);
      report({ type: 'lost', jobId });
    }
  } catch (err) {
    onError(err);
  }
}

// A third of the lock: two renewals may be late before the lock lapses.
const timer = setInterval(() => void Promise.all([...held.keys()].map(renew)), Math.max(100, Math.floor(init.lockDurationMs / 3)));

port.on('message', (m: KeeperRequest) => {
  if (m.type === 'hold') {
    held.set(m.jobId, { queueName: m.queueName, token: m.token });
    void renew(m.jobId);
  } else if (m.type === 'drop') {
    held.delete(m.jobId);
  } else if (m.type === 'unannounce') {
    void heartbeat.stop().catch(onError);
  } else {
    clearInterval(timer);
    held.clear();
    void (async () => {
      await heartbeat.stop().catch(onError);
      await Promise.all([...queues.values()].map((q) => q.close().catch(onError)));
      await redis.quit().catch(() => undefined);
      report({ type: 'stopped' });
      port.close();
    })();
  }
});

await heartbeat.start().catch(onError);
report({ type: 'ready' });
