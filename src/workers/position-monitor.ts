import type { Logger } from 'pino';
import type { ExecutionDeps } from '../execution/execution-deps.ts';
import type { MonitorQueries } from '../execution/monitor-port.ts';
import { enforcePositionExits, snapshotEquity } from '../execution/monitor-positions.ts';

export interface PositionMonitorOptions {
  /** How often exits are checked against the mark. */
  readonly exitIntervalMs: number;
  /** How often every account is marked to market (equity snapshot, peak, automatic halt). */
  readonly equityIntervalMs: number;
}

/** Runs the exit checks and equity snapshots on timers, never two passes of one kind at once. */
export class PositionMonitor {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly queries: MonitorQueries,
    private readonly logger: Logger,
    private readonly options: PositionMonitorOptions,
  ) {}

  start(): void {
    if (this.timers.length > 0) return;
    this.timers.push(
      setInterval(() => void this.pass('exits', () => this.checkExits()), this.options.exitIntervalMs),
    );
    this.timers.push(
      setInterval(
        () => void this.pass('equity', () => snapshotEquity(this.deps, this.queries)),
        this.options.equityIntervalMs,
      ),
    );
    for (const timer of this.timers) timer.unref();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled(this.running.values());
  }

  /** One exit pass now (tests and the first tick after a market event). */
  async checkExits(): Promise<number> {
    const outcomes = await enforcePositionExits(this.deps, this.queries);
    for (const outcome of outcomes) {
      this.logger.info(
        { positionId: outcome.positionId, reason: outcome.reason, status: outcome.result.status },
        'position exit triggered',
      );
    }
    return outcomes.length;
  }

  private async pass(kind: string, work: () => Promise<unknown>): Promise<void> {
    if (this.running.has(kind)) return;
    const run = work()
      .catch((error: unknown) => this.logger.error({ err: error, kind }, 'position monitor pass failed'))
      .finally(() => this.running.delete(kind));
    this.running.set(kind, run);
    await run;
  }
}
