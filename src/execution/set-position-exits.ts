import { AppError } from '../domain/app-error.ts';
import type { Decimal } from '../domain/decimal.ts';
import { transitionPosition } from '../domain/position-transitions.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import { positionView } from './order-view.ts';
import type { PositionRecord } from './store-port.ts';

export interface PositionExits {
  /** `null` removes the level; absent leaves it as it is. */
  readonly stopLoss?: Decimal | null;
  readonly takeProfit?: Decimal | null;
  /** Trailing distance as a fraction of price (0.02 = 2%). */
  readonly trailingStopPct?: Decimal | null;
}

const pick = <T>(given: T | null | undefined, current: T | undefined): T | undefined =>
  given === undefined ? current : (given ?? undefined);

/**
 * Attaches, moves or removes a position's stop loss, take profit and trailing stop; the position monitor
 * enforces them. A level already on the wrong side of the mark is refused: it would fire at once.
 */
export async function setPositionExits(
  deps: ExecutionDeps,
  userId: string,
  positionId: string,
  exits: PositionExits,
): Promise<PositionRecord> {
  return deps.store.transaction(userId, async (uow) => {
    const position = await uow.lockPosition(positionId);
    if (!position) throw new AppError('NOT_FOUND', `Position ${positionId} not found.`);
    if (position.status !== 'OPEN' && position.status !== 'MONITORING') {
      throw new AppError(
        'CONFLICT',
        `Position is ${position.status}; exits can be set on an open position only.`,
      );
    }
    const account = await uow.lockAccount(position.accountId);
    const mark = account
      ? deps.venues.get(account.venue)?.markPrice(position.symbol, position.marketType)
      : undefined;
    const long = position.side === 'long';
    const stopLoss = pick(exits.stopLoss, position.stopLoss);
    const takeProfit = pick(exits.takeProfit, position.takeProfit);
    const trailingStopPct = pick(exits.trailingStopPct, position.trailingStopPct);
    if (mark && stopLoss && (long ? stopLoss.greaterThanOrEqualTo(mark) : stopLoss.lessThanOrEqualTo(mark))) {
      throw new AppError(
        'VALIDATION_FAILED',
        `A ${position.side} stop loss must be ${long ? 'below' : 'above'} the mark ${mark.toFixed()}; ${stopLoss.toFixed()} would fire at once.`,
      );
    }
    if (
      mark &&
      takeProfit &&
      (long ? takeProfit.lessThanOrEqualTo(mark) : takeProfit.greaterThanOrEqualTo(mark))
    ) {
      throw new AppError(
        'VALIDATION_FAILED',
        `A ${position.side} take profit must be ${long ? 'above' : 'below'} the mark ${mark.toFixed()}.`,
      );
    }
    if (
      trailingStopPct &&
      (trailingStopPct.lessThanOrEqualTo(0) || trailingStopPct.greaterThanOrEqualTo(1))
    ) {
      throw new AppError('VALIDATION_FAILED', 'trailing_stop_pct is a fraction between 0 and 1 (0.02 = 2%).');
    }
    const watched = stopLoss !== undefined || takeProfit !== undefined || trailingStopPct !== undefined;
    const next = watched ? transitionPosition(position.status, { kind: 'monitor' }) : position.status;
    const updated: PositionRecord = {
      ...position,
      stopLoss,
      takeProfit,
      trailingStopPct,
      trailingAnchor: trailingStopPct ? (position.trailingAnchor ?? mark) : undefined,
      status: typeof next === 'string' ? next : position.status,
    };
    await uow.savePosition(updated);
    await uow.publish('position.updated', positionView(updated));
    return updated;
  });
}
