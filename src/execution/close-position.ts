import { AppError } from '../domain/app-error.ts';
import type { Decimal } from '../domain/decimal.ts';
import { transitionPosition, type PositionEvent } from '../domain/position-transitions.ts';
import { executeOrder, type ExecutionResult } from './execute-order.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import { positionView } from './order-view.ts';
import type { OrderSource } from '../domain/order-types.ts';
import type { PositionRecord, UnitOfWork } from './store-port.ts';

export interface CloseRequest {
  readonly type: 'market' | 'limit';
  readonly price?: Decimal;
  /** Part of the position to close; the whole of it when absent. */
  readonly quantity?: Decimal;
  readonly source?: OrderSource;
  /** Protective exits (stop loss, take profit, kill switch) go out even on a halted account. */
  readonly protective?: boolean;
  /** Why, for the order's audit trail: 'manual', 'stop_loss', 'take_profit', 'trailing_stop', 'kill_switch'. */
  readonly reason?: string;
}

async function movePosition(
  uow: UnitOfWork,
  position: PositionRecord,
  event: PositionEvent,
): Promise<PositionRecord> {
  const next = transitionPosition(position.status, event);
  if (typeof next !== 'string')
    throw new AppError('CONFLICT', `Position is ${position.status}: ${next.message}.`);
  const moved = { ...position, status: next };
  if (next !== position.status) {
    await uow.savePosition(moved);
    await uow.publish('position.updated', positionView(moved));
  }
  return moved;
}

/**
 * Closes all or part of a position through executeOrder: the position is CLOSING while its exit order
 * works, and OPEN again if that order ends without closing it.
 */
export async function closePosition(
  deps: ExecutionDeps,
  userId: string,
  positionId: string,
  request: CloseRequest,
): Promise<ExecutionResult> {
  const position = await deps.store.transaction(userId, async (uow) => {
    const found = await uow.lockPosition(positionId);
    if (!found) throw new AppError('NOT_FOUND', `Position ${positionId} not found.`);
    if (found.status === 'CLOSING') {
      throw new AppError(
        'CONFLICT',
        'Position is already closing; cancel its exit order first or wait for it.',
      );
    }
    if (request.quantity && request.quantity.greaterThan(found.quantity)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Cannot close ${request.quantity.toFixed()} of a ${found.quantity.toFixed()} ${found.symbol} position. Use at most the open quantity.`,
      );
    }
    return movePosition(uow, found, { kind: 'close_requested' });
  });

  const result = await executeOrder(deps, {
    userId,
    accountId: position.accountId,
    source: request.source ?? 'TERMINAL',
    links: { positionId: position.id, signalId: position.signalId, botId: position.botId },
    symbol: position.symbol,
    marketType: position.marketType,
    side: position.side === 'long' ? 'sell' : 'buy',
    type: request.type,
    timeInForce: request.type === 'limit' ? 'GTC' : undefined,
    quantity: request.quantity ?? position.quantity,
    price: request.price,
    reduceOnly: position.marketType === 'futures',
    purpose: request.protective ? 'protective_exit' : undefined,
  });

  // An exit that is not working any more and did not close the position leaves it open.
  const working =
    result.order && !['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'].includes(result.order.status);
  if (!working) {
    await deps.store.transaction(userId, async (uow) => {
      const current = await uow.lockPosition(position.id);
      if (current?.status === 'CLOSING') await movePosition(uow, current, { kind: 'reopened' });
    });
  }
  return result;
}
