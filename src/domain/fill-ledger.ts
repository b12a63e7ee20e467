import { ZERO, minDecimal, type Decimal } from './decimal.ts';
import type { MarketType, Side } from './order-types.ts';

export interface BalanceDelta {
  readonly asset: string;
  readonly total: Decimal;
  readonly reserved: Decimal;
}

export interface FillLedgerInput {
  readonly marketType: MarketType;
  readonly side: Side;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly price: Decimal;
  readonly quantity: Decimal;
  /** In the quote asset. */
  readonly fee: Decimal;
  /** What the order still holds reserved, in its reserve asset. */
  readonly reservedRemaining: Decimal;
  /** Futures: from applyFillToPosition. */
  readonly realizedPnl: Decimal;
  readonly marginLocked: Decimal;
  readonly marginReleased: Decimal;
}

export interface FillLedgerEffect {
  readonly deltas: readonly BalanceDelta[];
  /** Taken from the order's reservation (in its reserve asset). */
  readonly reservationConsumed: Decimal;
}

/**
 * How one fill moves balances. Spot: assets change hands, the fee is paid in quote. USD-M: the wallet
 * (quote) changes by realized PnL less the fee, and isolated margin moves between order reservation and
 * position margin, both counted in the quote's `reserved`.
 */
export function fillLedgerEffect(input: FillLedgerInput): FillLedgerEffect {
  const notional = input.price.mul(input.quantity);
  if (input.marketType === 'spot') {
    if (input.side === 'buy') {
      const cost = notional.plus(input.fee);
      const consumed = minDecimal(input.reservedRemaining, cost);
      return {
        deltas: [
          { asset: input.quoteAsset, total: cost.neg(), reserved: consumed.neg() },
          { asset: input.baseAsset, total: input.quantity, reserved: ZERO },
        ],
        reservationConsumed: consumed,
      };
    }
    const consumed = minDecimal(input.reservedRemaining, input.quantity);
    return {
      deltas: [
        { asset: input.baseAsset, total: input.quantity.neg(), reserved: consumed.neg() },
        { asset: input.quoteAsset, total: notional.minus(input.fee), reserved: ZERO },
      ],
      reservationConsumed: consumed,
    };
  }
  const consumed = minDecimal(input.reservedRemaining, input.marginLocked.plus(input.fee));
  return {
    deltas: [
      {
        asset: input.quoteAsset,
        total: input.realizedPnl.minus(input.fee),
        reserved: input.marginLocked.minus(input.marginReleased).minus(consumed),
      },
    ],
    reservationConsumed: consumed,
  };
}
