/**
 * Edits one message at most once per `minIntervalMs` (Discord's limits and the reader's eyes):
 * intermediate texts are coalesced so the latest one is shown. `finish` stops the progress
 * edits and makes sure none lands after the final content.
 */
export type EditFn = (content: string) => Promise<unknown>;

export class ThrottledEditor {
  private lastAt = 0;
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
    this.inFlight = this.inFlight.then(() => this.edit(content)).catch(this.onError);
  }

  /** No more progress edits; resolves once an edit already sent has landed. */
  async finish(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
