/**
 * What a request is for, most urgent first. Cancels and exits reduce risk and must get through when the
 * budget is tight. Lookups of one order by client order id (resolving an unknown outcome, following a
 * working order) come next: until they are answered an order's state is unknown. Queries (prices,
 * trades, balances) follow, then new entries; scans of every open order (adopting external orders) can
 * wait for a quieter minute and go last.
 */
export type RequestPriority = 'cancel' | 'exit' | 'lookup' | 'query' | 'entry' | 'scan';

const RANK: Readonly<Record<RequestPriority, number>> = {
  cancel: 0,
  exit: 1,
  lookup: 2,
  query: 3,
  entry: 4,
  scan: 5,
};

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
  /** Share of the limit new entries may use; lookups and queries a bit more, scans less. */
  readonly entryShare?: number;
  /** How long a caller may wait for the next window before it is refused. */
  readonly maxWaitMs?: number;
  readonly now?: () => number;
  /** How the budget waits for the next window (tests pass a hand-released one). */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Waiter {
  readonly priority: RequestPriority;
  readonly weight: number;
  readonly seq: number;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const MINUTE = 60_000;

/**
 * One request-weight budget per venue (DESIGN §6: every call for one exchange IP shares it). Binance counts
 * weight per wall-clock minute and says how much is used in `X-MBX-USED-WEIGHT-1M`; we count locally
 * between answers and take the venue's figure whenever it is higher. A Retry-After (429/418) blocks
 * everything until it has passed.
 *
 * Two things serve urgent requests first when the budget runs short. Each priority may use a share of the
 * minute (scans half, entries `entryShare`, queries and lookups a bit more, cancels and exits all of it),
 * so the last part of a minute is always left for the urgent ones. And requests that must wait for the
 * next window queue by priority: when it opens they are served most urgent first (arrival order within a
 * priority), and a request never overtakes a waiting one of the same or a higher priority.
 */
export class RequestWeightBudget {
  private windowStart = 0;
  private used = 0;
  private blockedUntil = 0;
  private seq = 0;
  private waiting: Waiter[] = [];
  private wakeScheduled = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  private readonly shares: Readonly<Record<RequestPriority, number>>;

  constructor(private readonly options: RequestWeightBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.maxWaitMs = options.maxWaitMs ?? 1_000;
    const entry = options.entryShare ?? 0.7;
    this.shares = {
      cancel: 1,
      exit: 1,
      lookup: Math.min(1, entry + 0.2),
      query: Math.min(1, entry + 0.15),
      entry,
      scan: Math.max(0, entry - 0.2),
    };
  }

  /** Takes `weight` from the budget, waiting up to maxWaitMs for the next minute; throws if it cannot. */
  acquire(priority: RequestPriority, weight: number): Promise<void> {
    const now = this.now();
    this.roll(now);
    const ahead = this.waiting.some((w) => RANK[w.priority] <= RANK[priority]);
    if (!ahead && now >= this.blockedUntil && this.fits(priority, weight)) {
      this.used += weight;
      return Promise.resolve();
    }
    const wait = this.nextChance(now) - now;
    if (wait > this.maxWaitMs) return Promise.reject(this.exhausted(priority, now));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({
        priority,
        weight,
        seq: (this.seq += 1),
        deadline: now + this.maxWaitMs,
        resolve,
        reject,
      });
      this.waiting.sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.seq - b.seq);
      this.schedule();
    });
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

  /** Serves the queue most urgent first; stops at the first request that does not fit (no overtaking). */
  private drain(): void {
    const now = this.now();
    this.roll(now);
    const next = this.nextChance(now);
    const kept: Waiter[] = [];
    let open = now >= this.blockedUntil;
    for (const waiter of this.waiting) {
      if (open && this.fits(waiter.priority, waiter.weight)) {
        this.used += waiter.weight;
        waiter.resolve();
        continue;
      }
      open = false;
      if (next > waiter.deadline) waiter.reject(this.exhausted(waiter.priority, now));
      else kept.push(waiter);
    }
    this.waiting = kept;
    this.schedule();
  }

  private schedule(): void {
    if (this.waiting.length === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    const now = this.now();
    void this.sleep(Math.max(1, this.nextChance(now) - now)).then(() => {
      this.wakeScheduled = false;
      this.drain();
    });
  }

  /** When a request that cannot go now may go: after the Retry-After, else at the next minute. */
  private nextChance(now: number): number {
    return now < this.blockedUntil ? this.blockedUntil : this.windowStart + MINUTE;
  }

  private fits(priority: RequestPriority, weight: number): boolean {
    return this.used + weight <= this.options.limitPerMinute * this.shares[priority];
  }

  private exhausted(priority: RequestPriority, now: number): WeightBudgetExhausted {
    const wait = this.nextChance(now) - now;
    if (now < this.blockedUntil) {
      return new WeightBudgetExhausted(
        `venue asked us to back off for ${Math.ceil(wait / 1000)} s (Retry-After)`,
        wait,
      );
    }
    const cap = Math.floor(this.options.limitPerMinute * this.shares[priority]);
    return new WeightBudgetExhausted(
      `request weight budget for ${priority} requests used up (${this.used}/${cap})`,
      wait,
    );
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
