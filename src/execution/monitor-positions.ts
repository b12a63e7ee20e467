import { DEFAULT_RISK_LIMITS } from '../domain/risk-limits.ts';
import { advanceTrailingAnchor, exitTrigger } from '../domain/exit-triggers.ts';
import { maxDecimal } from '../domain/decimal.ts';
import { startOfUtcDay, valueAccount } from './account-valuation.ts';
import { closePosition } from './close-position.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { ExecutionResult } from './execute-order.ts';
import { haltOnBreach } from './halt-on-breach.ts';
import type { MonitorQueries } from './monitor-port.ts';
import type { PositionRecord } from './store-port.ts';

export interface ExitOutcome {
  readonly positionId: string;
  readonly reason: string;
  readonly result: ExecutionResult;
}

async function venueOf(deps: ExecutionDeps, position: PositionRecord) {
  const account = await deps.store.transaction(position.userId, (uow) => uow.lockAccount(position.accountId));
  return account ? deps.venues.get(account.venue) : undefined;
}

/**
 * One pass of the position monitor: trailing anchors follow the mark, and a position whose stop loss,
 * take profit or trailing stop is reached is closed at market through executeOrder.
 */
export async function enforcePositionExits(
  deps: ExecutionDeps,
  queries: MonitorQueries,
): Promise<ExitOutcome[]> {
  const outcomes: ExitOutcome[] = [];
  for (const position of await queries.positionsWithExits()) {
    if (position.status !== 'OPEN' && position.status !== 'MONITORING') continue;
    const venue = await venueOf(deps, position);
    const mark = venue?.markPrice(position.symbol, position.marketType);
    if (!mark) continue;
    const anchor = advanceTrailingAnchor(position, mark);
    if (anchor && (!position.trailingAnchor || !anchor.equals(position.trailingAnchor))) {
      await deps.store.transaction(position.userId, async (uow) => {
        const current = await uow.lockPosition(position.id);
        if (current) await uow.savePosition({ ...current, trailingAnchor: anchor });
      });
    }
    const reason = exitTrigger({ ...position, trailingAnchor: position.trailingAnchor }, mark);
    if (!reason) continue;
    const result = await closePosition(deps, position.userId, position.id, {
      type: 'market',
      protective: true,
      reason,
      source: position.signalId ? 'SIGNAL' : 'TERMINAL',
    });
    outcomes.push({ positionId: position.id, reason, result });
  }
  return outcomes;
}

/**
 * Marks every account to market: an equity snapshot, the equity peak, and the automatic halt when
 * today's loss or the drawdown reached its limit even though no order came to notice it.
 */
export async function snapshotEquity(deps: ExecutionDeps, queries: MonitorQueries): Promise<number> {
  let halted = 0;
  for (const candidate of await queries.accountsToValue()) {
    const venue = deps.venues.get(candidate.venue);
    if (!venue) continue;
    await deps.store.transaction(candidate.userId, async (uow) => {
      const account = await uow.lockAccount(candidate.id);
      if (!account) return;
      const now = deps.now();
      const balances = await uow.balances(account.id);
      const positions = await uow.livePositions(account.id);
      const today = await uow.fillTotalsSince(account.id, startOfUtcDay(now));
      const lifetime = await uow.fillTotalsSince(account.id, new Date(0));
      const limits = await uow.riskLimits(account.id);
      const valuation = valueAccount(venue, account, balances, positions);
      await uow.recordEquity(account.id, valuation.equity, lifetime.realizedPnl, valuation.unrealizedPnl);
      const peak = maxDecimal(account.equityPeak ?? valuation.equity, valuation.equity);
      if (!account.equityPeak || peak.greaterThan(account.equityPeak))
        await uow.setEquityPeak(account.id, peak);
      const figures = {
        pnlToday: today.realizedPnl.minus(today.fees).plus(valuation.unrealizedPnl),
        equity: valuation.equity,
        equityPeak: peak,
      };
      if (await haltOnBreach(uow, account, figures, limits ?? DEFAULT_RISK_LIMITS, 'TERMINAL')) halted += 1;
    });
  }
  return halted;
}
