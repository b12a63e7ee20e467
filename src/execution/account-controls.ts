import { AppError } from '../domain/app-error.ts';
import {
  DEFAULT_RISK_LIMITS,
  applyRiskLimitsPatch,
  validateRiskLimits,
  type RiskLimits,
  type RiskLimitsPatch,
} from '../domain/risk-limits.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { AccountRecord, TradingState, UnitOfWork } from './store-port.ts';

async function ownAccount(uow: UnitOfWork, accountId: string): Promise<AccountRecord> {
  const account = await uow.lockAccount(accountId);
  if (!account) throw new AppError('NOT_FOUND', `Account ${accountId} not found.`);
  return account;
}

export async function getRiskLimits(
  deps: ExecutionDeps,
  userId: string,
  accountId: string,
): Promise<RiskLimits> {
  return deps.store.transaction(userId, async (uow) => {
    await ownAccount(uow, accountId);
    return (await uow.riskLimits(accountId)) ?? DEFAULT_RISK_LIMITS;
  });
}

/** Applies a partial update (null switches a limit off) under the account lock, so no order sees half of it. */
export async function updateRiskLimits(
  deps: ExecutionDeps,
  userId: string,
  accountId: string,
  patch: RiskLimitsPatch,
): Promise<RiskLimits> {
  return deps.store.transaction(userId, async (uow) => {
    await ownAccount(uow, accountId);
    const next = applyRiskLimitsPatch((await uow.riskLimits(accountId)) ?? DEFAULT_RISK_LIMITS, patch);
    const errors = validateRiskLimits(next);
    if (errors.length > 0) {
      throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
        errors,
      });
    }
    await uow.saveRiskLimits(accountId, next);
    await uow.publish('risk.limits_updated', { account_id: accountId });
    return next;
  });
}

/** The owner's switch: ACTIVE, REDUCING (only risk-reducing orders) or HALTED. */
export async function setTradingState(
  deps: ExecutionDeps,
  userId: string,
  accountId: string,
  state: TradingState,
): Promise<AccountRecord> {
  return deps.store.transaction(userId, async (uow) => {
    const account = await ownAccount(uow, accountId);
    const reason = state === 'ACTIVE' ? undefined : 'OWNER';
    await uow.setTradingState(accountId, state, reason, false);
    await uow.publish('risk.trading_state', { account_id: accountId, from: account.tradingState, to: state });
    return { ...account, tradingState: state, haltReason: reason, resumeNextDay: false };
  });
}
