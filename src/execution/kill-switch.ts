import { AppError } from '../domain/app-error.ts';
import { closePosition } from './close-position.ts';
import { cancelOrder } from './cancel-order.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { AccountRecord } from './store-port.ts';

export interface KillSwitchAccountReport {
  readonly account_id: string;
  readonly previous_state: string;
  readonly canceled: readonly string[];
  readonly cancel_failed: readonly { readonly order_id: string; readonly message: string }[];
  readonly flattened: readonly {
    readonly position_id: string;
    readonly status: string;
    readonly order_id: string | null;
    readonly message: string;
  }[];
}

/** How long to wait for orders admitted just before the halt to get their venue answer. */
const SETTLE_TIMEOUT_MS = 5_000;

async function haltAccount(deps: ExecutionDeps, account: AccountRecord): Promise<string> {
  return deps.store.transaction(account.userId, async (uow) => {
    const locked = await uow.lockAccount(account.id);
    if (!locked) throw new AppError('NOT_FOUND', `Account ${account.id} not found.`);
    await uow.setTradingState(account.id, 'HALTED', 'KILL_SWITCH', false);
    await uow.appendAudit({
      accountId: account.id,
      source: 'TERMINAL',
      status: 'SKIPPED',
      reasonCode: 'TRADING_HALTED',
      message: `Kill switch engaged on account ${locked.label}: trading halted, open orders being canceled. Release it with DELETE /api/v1/kill-switch.`,
      requestPayload: { kill_switch: true, previous_state: locked.tradingState },
    });
    await uow.publish('risk.kill_switch', { account_id: account.id, engaged: true });
    return locked.tradingState;
  });
}

/**
 * The emergency stop for one account: HALTED first (committed under the account lock, so no order is
 * admitted after it), then every working order canceled at the venue, then, if asked, every position
 * closed at market. Returns what it did; the halt persists across restarts until released.
 */
export async function killAccount(
  deps: ExecutionDeps,
  account: AccountRecord,
  flatten: boolean,
): Promise<KillSwitchAccountReport> {
  const previous = await haltAccount(deps, account);
  const deadline = deps.now().getTime() + SETTLE_TIMEOUT_MS;
  const canceled: string[] = [];
  const failed: { order_id: string; message: string }[] = [];
  for (;;) {
    const working = await deps.store.transaction(account.userId, (uow) => uow.workingOrders(account.id));
    const settling = working.filter((o) => o.status === 'PENDING_SUBMIT');
    for (const order of working.filter((o) => o.status !== 'PENDING_SUBMIT' && o.status !== 'UNKNOWN')) {
      if (canceled.includes(order.id) || failed.some((f) => f.order_id === order.id)) continue;
      try {
        const outcome = await cancelOrder(deps, account.userId, order.id);
        if (outcome.confirmed && outcome.order.status !== 'CANCELED') continue; // it filled meanwhile
        canceled.push(order.id);
      } catch (error) {
        failed.push({ order_id: order.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    // Orders admitted just before the halt are still on their way to the venue: cancel them once they land.
    if (settling.length === 0 || deps.now().getTime() > deadline) {
      for (const order of settling)
        failed.push({ order_id: order.id, message: 'still awaiting the venue answer' });
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const flattened: KillSwitchAccountReport['flattened'][number][] = [];
  if (flatten) {
    const positions = await deps.store.transaction(account.userId, (uow) => uow.livePositions(account.id));
    for (const position of positions) {
      if (position.quantity.isZero()) continue;
      try {
        const result = await closePosition(deps, account.userId, position.id, {
          type: 'market',
          protective: true,
          reason: 'kill_switch',
        });
        flattened.push({
          position_id: position.id,
          status: result.status,
          order_id: result.orderId,
          message: result.message,
        });
      } catch (error) {
        flattened.push({
          position_id: position.id,
          status: 'FAILED',
          order_id: null,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return { account_id: account.id, previous_state: previous, canceled, cancel_failed: failed, flattened };
}

/** Releases the kill switch (or any halt) on an account: ACTIVE again. */
export async function releaseAccount(deps: ExecutionDeps, account: AccountRecord): Promise<void> {
  await deps.store.transaction(account.userId, async (uow) => {
    const locked = await uow.lockAccount(account.id);
    if (!locked) throw new AppError('NOT_FOUND', `Account ${account.id} not found.`);
    await uow.setTradingState(account.id, 'ACTIVE', undefined, false);
    await uow.publish('risk.kill_switch', { account_id: account.id, engaged: false });
  });
}
