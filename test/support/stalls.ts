/**
 * Records when this process's event loop stalled: a 10 ms timer that notes every tick arriving
 * later than `thresholdMs` past its due time. Real-time tests log these beside their dropouts so a
 * failure says what the process was doing, not only that audio arrived late.
 */
export class StallRecorder {
  readonly stalls: { at: number; ms: number }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly thresholdMs = 60) {}

  start(): this {
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - last - 10;
      if (late > this.thresholdMs) this.stalls.push({ at: last, ms: late });
      last = now;
    }, 10);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** "12.3 s: 180 ms" for each stall, times relative to `origin` (performance.now()). */
  describe(origin: number): string {
    return this.stalls.map((s) => `${((s.at - origin) / 1000).toFixed(1)} s: ${s.ms.toFixed(0)} ms`).join(', ') || 'none';
  }
}
