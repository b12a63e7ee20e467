import type { RiskLimits } from '../domain/risk-limits.ts';
import { breachesHaltLimits, type HaltBreach, type HaltInput } from '../domain/risk-rules.ts';
import type { OrderSource } from '../domain/order-types.ts';
import type { AccountRecord, UnitOfWork } from './store-port.ts';

/**
 * Switches the account to HALTED when today's loss or the drawdown has reached its limit, with an audit
 * row and an event. Returns the breach when it did. The caller holds the account lock.
 */
export async function haltOnBreach(
  uow: UnitOfWork,
  account: AccountRecord,
  figures: HaltInput,
  limits: RiskLimits,
  source: OrderSource,
): Promise<HaltBreach | undefined> {
  if (account.tradingState === 'HALTED') return undefined;
  const breach = breachesHaltLimits(figures, limits);
  if (!breach) return undefined;
  // A daily-loss halt lifts at the next UTC day; a drawdown halt waits for the owner.
  await uow.setTradingState(account.id, 'HALTED', breach.code, breach.code === 'DAILY_LOSS_LIMIT');
  await uow.appendAudit({
    accountId: account.id,
    source,
    status: 'SKIPPED',
    reasonCode: breach.code,
    message: `Account ${account.label} switched to HALTED. ${breach.message}`,
    requestPayload: { trading_state: { from: account.tradingState, to: 'HALTED' }, ...breach.details },
  });
  await uow.publish('risk.halted', {
    account_id: account.id,
    reason_code: breach.code,
    message: breach.message,
  });
  return breach;
}
