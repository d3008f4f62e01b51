/** The worker process's side of its liveness thread (keeper-thread.ts): what to keep alive, and stop. */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../pipeline/module-thread.ts';
import type { KeeperInit, KeeperReport, KeeperRequest } from './keeper-protocol.ts';

const ENTRY = new URL('./keeper-thread.ts', import.meta.url);

export interface KeeperEvents {
  onError(message: string): void;
  /** A job's lock was found taken (another worker has the job now). */
  onLost(jobId: string): void;
}

export class LivenessKeeper {
  private stopped: Promise<void> | undefined;

  private constructor(private readonly thread: Worker) {}

  /** Starts the thread; resolves once the first heartbeat is written. */
  static start(init: KeeperInit, events: KeeperEvents): Promise<LivenessKeeper> {
    const thread = moduleWorker(ENTRY, { workerData: init });
    const keeper = new LivenessKeeper(thread);
    return new Promise((resolve, reject) => {
      thread.on('message', (r: KeeperReport) => {
        if (r.type === 'ready') resolve(keeper);
        else if (r.type === 'error') events.onError(r.message);
        else if (r.type === 'lost') events.onLost(r.jobId);
      });
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`the liveness thread exited with code ${code} before it was ready`)));
    });
  }

  private send(m: KeeperRequest): void {
    this.thread.postMessage(m);
  }

  hold(queueName: string, jobId: string, token: string): void {
    this.send({ type: 'hold', queueName, jobId, token });
  }

  drop(jobId: string): void {
    this.send({ type: 'drop', jobId });
  }

  unannounce(): void {
    this.send({ type: 'unannounce' });
  }

  /** Removes the heartbeat, closes the thread's connection and ends the thread. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const done = () => resolve();
      this.thread.on('message', (r: KeeperReport) => r.type === 'stopped' && done());
      this.thread.once('exit', done);
      this.send({ type: 'stop' });
    }).then(() => this.thread.terminate().then(() => undefined));
    return this.stopped;
  }
}
