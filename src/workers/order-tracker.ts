import { ExponentialBackoff, handleAll, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import type { ExecutionDeps } from '../execution/execution-deps.ts';
import { recordExecutionReport, type OrderLocator } from '../execution/record-execution-report.ts';
import type { ExecutionReport, VenuePort } from '../execution/venue-port.ts';

/**
 * Follows what venues report on their own (resting fills, triggers, expiries) and records it through the
 * execution layer, one report at a time and in arrival order so an order's fills apply in sequence.
 */
export class OrderTracker {
  private readonly unsubscribers: (() => void)[] = [];
  private readonly watched = new Map<string, () => void>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  // Transient database trouble should not lose a fill; the reconciler catches anything beyond this.
  private readonly retryPolicy: RetryPolicy = retry(handleAll, {
    maxAttempts: 5,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 2_000 }),
  });

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly locator: OrderLocator,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.unsubscribers.length > 0) return;
    for (const venue of this.deps.venues.all()) {
      this.unsubscribers.push(venue.onExecutionReport((report) => this.enqueue(report)));
    }
  }

  /** Follows a venue registered after start (a live exchange account created at runtime). */
  watch(venue: VenuePort): void {
    if (this.watched.has(venue.id)) return;
    this.watched.set(
      venue.id,
      venue.onExecutionReport((report) => this.enqueue(report)),
    );
  }

  unwatch(venueId: string): void {
    this.watched.get(venueId)?.();
    this.watched.delete(venueId);
  }

  /** Reports received but not yet recorded. */
  get backlog(): number {
    return this.pending;
  }

  /** Resolves once every report received so far is recorded. */
  drain(): Promise<void> {
    return this.queue;
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const venueId of [...this.watched.keys()]) this.unwatch(venueId);
    await this.queue;
  }

  private enqueue(report: ExecutionReport): void {
    this.pending += 1;
    this.queue = this.queue.then(async () => {
      try {
        await this.record(report);
      } finally {
        this.pending -= 1;
      }
    });
  }

  private async record(report: ExecutionReport): Promise<void> {
    try {
      const ours = await this.retryPolicy.execute(() =>
        recordExecutionReport(this.deps, this.locator, report),
      );
      if (!ours) {
        this.logger.warn(
          { venue: report.venue, clientOrderId: report.order.clientOrderId },
          'execution report for an order we do not know',
        );
      }
    } catch (error) {
      this.logger.error(
        { err: error, clientOrderId: report.order.clientOrderId },
        'recording execution report failed',
      );
    }
  }
}
