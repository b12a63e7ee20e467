import { ZERO, minDecimal, type Decimal } from './decimal.ts';
import type { MarketType, Side } from './order-types.ts';

export interface BalanceDelta {
  readonly asset: string;
  readonly total: Decimal;
  readonly reserved: Decimal;
}

export interface FillLedgerEffect {
  /** At most one delta per asset. */
  readonly deltas: readonly BalanceDelta[];
  /** Taken from the order's reservation (in its reserve asset). */
  readonly reservationConsumed: Decimal;
}

/** One fill as the venue reported it, the fee in `feeAsset` as charged. */
export interface FillFeeInput {
  readonly marketType: MarketType;
  readonly side: Side;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly price: Decimal;
  readonly quantity: Decimal;
  readonly fee: Decimal;
  readonly feeAsset: string;
}

export interface FillLedgerInput extends FillFeeInput {
  /** What the order still holds reserved, in its reserve asset. */
  readonly reservedRemaining: Decimal;
  /** Futures: from applyFillToPosition. */
  readonly realizedPnl: Decimal;
  readonly marginLocked: Decimal;
  readonly marginReleased: Decimal;
}

export interface FillPositionTerms {
  /** What the position gains or loses: a spot buy whose fee is taken from the base asset receives less. */
  readonly quantity: Decimal;
  /** The fee valued in the quote asset at the fill price; zero when paid in a third asset (BNB). */
  readonly feeInQuote: Decimal;
}

/**
 * What a fill means for the position. Binance charges spot commission in the asset received (base on a
 * buy), so the position holds only what actually arrived; the fee is still counted in quote so PnL reads
 * in one currency. A third-asset fee has no price here: its balance moves, the PnL does not show it.
 */
export function fillPositionTerms(input: FillFeeInput): FillPositionTerms {
  const inBase = input.feeAsset === input.baseAsset && input.feeAsset !== input.quoteAsset;
  const feeInQuote =
    input.feeAsset === input.quoteAsset ? input.fee : inBase ? input.fee.mul(input.price) : ZERO;
  const quantity =
    inBase && input.marketType === 'spot' && input.side === 'buy'
      ? input.quantity.minus(input.fee)
      : input.quantity;
  return { quantity, feeInQuote };
}

/**
 * How one fill moves balances. Spot: assets change hands. USD-M: the wallet (quote) changes by realized
 * PnL, and isolated margin moves between order reservation and position margin, both counted in the quote's
 * `reserved`. Either way the fee leaves the asset the venue charged it in; only a fee in the reserve asset
 * can come out of the order's reservation.
 */
export function fillLedgerEffect(input: FillLedgerInput): FillLedgerEffect {
  const notional = input.price.mul(input.quantity);
  const moves = new Map<string, { total: Decimal; reserved: Decimal }>();
  const move = (asset: string, total: Decimal, reserved: Decimal = ZERO): void => {
    const current = moves.get(asset) ?? { total: ZERO, reserved: ZERO };
    moves.set(asset, { total: current.total.plus(total), reserved: current.reserved.plus(reserved) });
  };
  const feeFrom = (asset: string): Decimal => (input.feeAsset === asset ? input.fee : ZERO);

  let consumed: Decimal;
  if (input.marketType === 'spot') {
    if (input.side === 'buy') {
      consumed = minDecimal(input.reservedRemaining, notional.plus(feeFrom(input.quoteAsset)));
      move(input.quoteAsset, notional.neg(), consumed.neg());
      move(input.baseAsset, input.quantity);
    } else {
      consumed = minDecimal(input.reservedRemaining, input.quantity.plus(feeFrom(input.baseAsset)));
      move(input.baseAsset, input.quantity.neg(), consumed.neg());
      move(input.quoteAsset, notional);
    }
  } else {
    consumed = minDecimal(input.reservedRemaining, input.marginLocked.plus(feeFrom(input.quoteAsset)));
    move(input.quoteAsset, input.realizedPnl, input.marginLocked.minus(input.marginReleased).minus(consumed));
  }
  if (!input.fee.isZero()) move(input.feeAsset, input.fee.neg());
  return {
    deltas: [...moves].map(([asset, amounts]) => ({ asset, ...amounts })),
    reservationConsumed: consumed,
  };
}
