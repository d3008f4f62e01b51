/**
 * Records when this process's event loop stalled: a 10 ms timer that notes every tick arriving
 * later than `thresholdMs` past its due time. Real-time tests log these beside their dropouts so a
 * failure says what the process was doing, not only that audio arrived late.
 *
 * Each stall also carries the CPU time the process used meanwhile (all its threads): a stall spent
 * running code uses about as much CPU as it lasted; one spent waiting for a core (the machine busy
 * with other work) uses next to none.
 */
export interface Stall {
  /** performance.now() of the last tick before the stall. */
  at: number;
  ms: number;
  cpuMs: number;
}

export class StallRecorder {
  readonly stalls: Stall[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly thresholdMs = 60) {}

  start(): this {
    let last = performance.now();
    let cpu = process.cpuUsage();
    this.timer = setInterval(() => {
      const now = performance.now();
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      const late = now - last - 10;
      if (late > this.thresholdMs) this.stalls.push({ at: last, ms: late, cpuMs: (used.user + used.system) / 1000 });
      last = now;
    }, 10);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stalls the process spent mostly waiting for a core (under half of them on the CPU). */
  get starved(): Stall[] {
    return this.stalls.filter((s) => s.cpuMs < s.ms / 2);
  }

  /** "12.3 s: 180 ms" for each stall, times relative to `origin` (performance.now()). */
  describe(origin: number): string {
    return this.stalls.map((s) => `${((s.at - origin) / 1000).toFixed(1)} s: ${s.ms.toFixed(0)} ms`).join(', ') || 'none';
  }
}
