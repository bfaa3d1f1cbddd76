/**
 * When to re-check a document. An edited document is checked at once (on the next turn of the
 * event loop, so one burst of changes is one check), and edits arriving while a check runs are
 * coalesced into one more check after it: the latency of one keystroke is one check, and a fast
 * typist costs at most one check at a time. Work that may wait (the importers of an edited
 * file) is debounced: it runs `delayMs` after the last request.
 */
export class CheckScheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly check: (uri: string) => Promise<void>,
    public delayMs: number,
  ) {}

  /** Check `uri` as soon as possible; resolves when a check that saw this request is done. */
  now(uri: string): Promise<void> {
    const timer = this.timers.get(uri);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(uri);
    }
    const current = this.running.get(uri);
    if (current) {
      // The running loop checks once more before it settles.
      this.again.add(uri);
      return current;
    }
    const run = this.loop(uri);
    this.running.set(uri, run);
    return run;
  }

  /** Check `uri` after `delayMs` without another request. */
  later(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.now(uri);
      }, this.delayMs),
    );
  }

  /** Settles when no check of `uri` is running or waiting to run. */
  async idle(uri: string): Promise<void> {
    while (this.running.has(uri)) await this.running.get(uri);
  }

  cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
    this.again.delete(uri);
  }

  private async loop(uri: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      do {
        this.again.delete(uri);
        await this.check(uri);
      } while (this.again.has(uri));
    } finally {
      this.running.delete(uri);
    }
  }
}
