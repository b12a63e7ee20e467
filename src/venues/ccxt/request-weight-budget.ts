/**
 * What a request is for. Exits and cancels reduce risk and must get through when the budget is tight;
 * new entries are the first to wait.
 */
export type RequestPriority = 'cancel' | 'exit' | 'query' | 'entry';

export class WeightBudgetExhausted extends Error {
  override readonly name = 'WeightBudgetExhausted';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface RequestWeightBudgetOptions {
  /** The venue's request-weight limit per minute (Binance spot 6000, USD-M 2400). */
  readonly limitPerMinute: number;
  /** Share of the limit new entries and queries may use; the rest is kept for cancels and exits. */
  readonly entryShare?: number;
  readonly querySharePct?: number;
  /** How long a caller may wait for the next window before it is refused. */
  readonly maxWaitMs?: number;
  readonly now?: () => number;
}

const MINUTE = 60_000;

/**
 * One request-weight budget per venue (DESIGN §6: every call for one exchange IP shares it). Binance counts
 * weight per wall-clock minute and says how much is used in `X-MBX-USED-WEIGHT-1M`; we count locally
 * between answers and take the venue's figure whenever it is higher. A Retry-After (429/418) blocks
 * everything until it has passed. Entries may use `entryShare` of the minute, queries a bit more, and
 * cancels and exits all of it: that is how they are served first when the budget runs short.
 */
export class RequestWeightBudget {
  private windowStart = 0;
  private used = 0;
  private blockedUntil = 0;
  private readonly now: () => number;
  private readonly maxWaitMs: number;
  private readonly shares: Readonly<Record<RequestPriority, number>>;

  constructor(private readonly options: RequestWeightBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.maxWaitMs = options.maxWaitMs ?? 1_000;
    const entry = options.entryShare ?? 0.7;
    this.shares = { cancel: 1, exit: 1, query: Math.min(1, entry + 0.15), entry };
  }

  /** Takes `weight` from the budget, waiting up to maxWaitMs for the next minute; throws if it cannot. */
  async acquire(priority: RequestPriority, weight: number): Promise<void> {
    for (;;) {
      const now = this.now();
      this.roll(now);
      if (now < this.blockedUntil) {
        const wait = this.blockedUntil - now;
        if (wait > this.maxWaitMs) {
          throw new WeightBudgetExhausted(
            `venue asked us to back off for ${Math.ceil(wait / 1000)} s (Retry-After)`,
            wait,
          );
        }
        await sleep(wait);
        continue;
      }
      const cap = this.options.limitPerMinute * this.shares[priority];
      if (this.used + weight <= cap) {
        this.used += weight;
        return;
      }
      const wait = this.windowStart + MINUTE - now;
      if (wait > this.maxWaitMs) {
        throw new WeightBudgetExhausted(
          `request weight budget for ${priority} requests used up (${this.used}/${Math.floor(cap)})`,
          wait,
        );
      }
      await sleep(wait);
    }
  }

  /** The venue's own count of weight used this minute. */
  observeUsedWeight(used: number): void {
    this.roll(this.now());
    if (Number.isFinite(used) && used > this.used) this.used = used;
  }

  /** Retry-After from a 429 or 418: nothing is sent before it has passed. */
  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  status(): { readonly used: number; readonly limit: number; readonly blockedForMs: number } {
    const now = this.now();
    this.roll(now);
    return {
      used: this.used,
      limit: this.options.limitPerMinute,
      blockedForMs: Math.max(0, this.blockedUntil - now),
    };
  }

  private roll(now: number): void {
    const start = now - (now % MINUTE);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
