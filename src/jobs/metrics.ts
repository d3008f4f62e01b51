/**
 * Prometheus metrics of the generation service (prom-client), served on METRICS_PORT.
 * Queue depth and live workers are read from Redis at scrape time; the rest are counted by the
 * worker as jobs run.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueDepthSource {
  /** Per model: counts by BullMQ state. */
  depths(): Promise<{ modelId: string; counts: Record<string, number> }[]>;
  workersAlive(): Promise<{ modelId: string; workers: number }[]>;
}

export class JobMetrics {
  readonly registry = new Registry();
  readonly waitSeconds: Histogram<'model' | 'kind'>;
  readonly runSeconds: Histogram<'model' | 'kind'>;
  readonly realTimeFactor: Histogram<'model'>;
  readonly completed: Counter<'model' | 'kind' | 'cached'>;
  readonly failed: Counter<'model' | 'kind' | 'reason'>;
  readonly retried: Counter<'model' | 'kind'>;
  readonly stalled: Counter<'model'>;

  constructor(source?: QueueDepthSource, defaults = true) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'riffcord_worker_' });
    this.waitSeconds = new Histogram({
      name: 'riffcord_job_wait_seconds',
      help: 'Time from enqueue to a worker starting the job',
      labelNames: ['model', 'kind'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'riffcord_job_run_seconds',
      help: 'Time a worker spent on a job (generation, encoding, storing)',
      labelNames: ['model', 'kind'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
      registers,
    });
    this.realTimeFactor = new Histogram({
      name: 'riffcord_clip_realtime_factor',
      help: 'Seconds of audio produced per second of generation (above 1 is faster than real time)',
      labelNames: ['model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
      registers,
    });
    this.completed = new Counter({ name: 'riffcord_jobs_completed_total', help: 'Jobs completed', labelNames: ['model', 'kind', 'cached'], registers });
    this.failed = new Counter({ name: 'riffcord_jobs_failed_total', help: 'Job attempts that failed', labelNames: ['model', 'kind', 'reason'], registers });
    this.retried = new Counter({ name: 'riffcord_jobs_retried_total', help: 'Failed attempts that will be retried', labelNames: ['model', 'kind'], registers });
    this.stalled = new Counter({ name: 'riffcord_jobs_stalled_total', help: 'Jobs found stalled (worker died or blocked) and handed back', labelNames: ['model'], registers });
    if (source) {
      new Gauge({
        name: 'riffcord_queue_depth',
        help: 'Jobs per model queue and state',
        labelNames: ['model', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const { modelId, counts } of await source.depths()) for (const [state, n] of Object.entries(counts)) this.set({ model: modelId, state }, n);
        },
      });
      new Gauge({
        name: 'riffcord_workers_alive',
        help: 'Workers with a live heartbeat, per model',
        labelNames: ['model'],
        registers,
        async collect() {
          this.reset();
          for (const { modelId, workers } of await source.workersAlive()) this.set({ model: modelId }, workers);
        },
      });
    }
  }

  /** Serves /metrics on `port` (0: any free port). */
  async serve(port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('see /metrics\n');
        return;
      }
      this.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return { server, port: typeof addr === 'object' && addr ? addr.port : port };
  }
}
