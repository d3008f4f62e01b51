/**
 * Edits one message at most once per `minIntervalMs` (Discord's limits and the reader's eyes):
 * intermediate texts are coalesced so the latest one is shown. `finish` stops the progress
 * edits and makes sure none lands after the final content.
 */
export type EditFn = (content: string) => Promise<unknown>;

export class ThrottledEditor {
  private lastAt = 0;
  /** When the previous edit landed (Discord answered or it failed). */
  private lastLandedAt = -Infinity;
  /** The wait before an edit that follows a slow one too closely; finish() cuts it short. */
  private spacing: { timer: NodeJS.Timeout; done: () => void } | null = null;
  private pending: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private lastContent: string | null = null;
  edits = 0;

  constructor(
    private readonly edit: EditFn,
    private readonly minIntervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  update(content: string): void {
    if (this.stopped) return;
    if (content === (this.pending ?? this.lastContent)) return;
    this.pending = content;
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.stopped || this.pending === null) return;
    const content = this.pending;
    this.pending = null;
    if (content === this.lastContent) return;
    this.lastContent = content;
    this.lastAt = Date.now();
    this.edits += 1;
    // The interval runs from when the previous edit landed, not from when it was handed to the
    // client: the client's queue and the network can hold one edit back and let the next through
    // at once, so two edits spaced at the sender could still reach Discord close together.
    this.inFlight = this.inFlight
      .then(async () => {
        const wait = this.lastLandedAt + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise<void>((r) => (this.spacing = { timer: setTimeout(r, wait), done: r }));
        this.spacing = null;
        if (this.stopped) return; // finish() came during the wait: the final content follows
        try {
          return await this.edit(content);
        } finally {
          this.lastLandedAt = Date.now();
        }
      })
      .catch(this.onError);
  }

  /** No more progress edits; resolves once an edit already sent has landed. */
  async finish(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.spacing) {
      clearTimeout(this.spacing.timer);
      this.spacing.done();
    }
    await this.inFlight;
  }
}
