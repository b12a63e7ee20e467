import { Decimal, ZERO, minDecimal } from './decimal.ts';
import type { MarketType, Side } from './order-types.ts';

export type PositionSide = 'long' | 'short';

/** Decimal places of a pro-rata share of cost or margin (far below any venue's precision). */
const SHARE_DECIMALS = 18;

/** The quantities of a position that fills change; status and links live with the record. */
export interface PositionAmounts {
  readonly side: PositionSide;
  /** Always >= 0; the side says the direction. */
  readonly quantity: Decimal;
  /** Average entry price of the open quantity (fees are kept apart, not folded into cost). */
  readonly entryPrice: Decimal;
  /**
   * What the open quantity cost (sum of quantity x price). PnL is computed from it rather than from the
   * rounded average, so realized + unrealized always equals the cash that moved plus the marked value,
   * to the last digit.
   */
  readonly costBasis: Decimal;
  readonly leverage: number;
  /** Isolated margin held for the open quantity (futures only; zero for spot). */
  readonly margin: Decimal;
  readonly realizedPnl: Decimal;
  readonly fees: Decimal;
}

export interface FillInput {
  readonly marketType: MarketType;
  readonly side: Side;
  readonly price: Decimal;
  readonly quantity: Decimal;
  /** In the quote asset. */
  readonly fee: Decimal;
  /** Leverage of the order (futures); spot is 1. */
  readonly leverage: number;
}

export interface FillOutcome {
  readonly position: PositionAmounts;
  /** Realized on the reducing part of this fill, before fees. */
  readonly realizedPnl: Decimal;
  /** Quantity of this fill that reduced an existing position. */
  readonly closedQuantity: Decimal;
  /** Quantity of this fill that opened or increased a position. */
  readonly openedQuantity: Decimal;
  /** Margin released by the reducing part (futures). */
  readonly marginReleased: Decimal;
  /** Margin locked by the opening part (futures). */
  readonly marginLocked: Decimal;
}

export const FLAT: PositionAmounts = {
  side: 'long',
  quantity: ZERO,
  entryPrice: ZERO,
  costBasis: ZERO,
  leverage: 1,
  margin: ZERO,
  realizedPnl: ZERO,
  fees: ZERO,
};

function fillDirection(side: Side): PositionSide {
  return side === 'buy' ? 'long' : 'short';
}

/**
 * Applies one fill to a position: spot as inventory at average cost (a sell only reduces), futures as a
 * signed position that a fill can reduce, close, or flip. Pure and exact.
 */
export function applyFillToPosition(current: PositionAmounts, fill: FillInput): FillOutcome {
  const direction = fillDirection(fill.side);
  const increasing = current.quantity.isZero() || current.side === direction;
  const fees = current.fees.plus(fill.fee);

  if (increasing) {
    if (fill.marketType === 'spot' && direction === 'short') {
      // Selling spot inventory we do not hold (assets deposited outside Fillgate): nothing to reduce.
      return {
        position: { ...current, fees },
        realizedPnl: ZERO,
        closedQuantity: ZERO,
        openedQuantity: ZERO,
        marginReleased: ZERO,
        marginLocked: ZERO,
      };
    }
    const quantity = current.quantity.plus(fill.quantity);
    const costBasis = current.costBasis.plus(fill.quantity.mul(fill.price));
    const entryPrice = costBasis.div(quantity);
    const leverage = fill.marketType === 'futures' ? fill.leverage : 1;
    const marginLocked =
      fill.marketType === 'futures'
        ? fill.quantity.mul(fill.price).div(leverage).toDecimalPlaces(SHARE_DECIMALS)
        : ZERO;
    return {
      position: {
        side: direction,
        quantity,
        entryPrice,
        costBasis,
        leverage,
        margin: current.margin.plus(marginLocked),
        realizedPnl: current.realizedPnl,
        fees,
      },
      realizedPnl: ZERO,
      closedQuantity: ZERO,
      openedQuantity: fill.quantity,
      marginReleased: ZERO,
      marginLocked,
    };
  }

  const closedQuantity = minDecimal(current.quantity, fill.quantity);
  // A pro-rata share is a division: it is fixed to SHARE_DECIMALS places, so every sum and difference after it
  // is exact and what leaves the cost basis is exactly what the realized PnL counts.
  const costRemoved = closedQuantity.equals(current.quantity)
    ? current.costBasis
    : current.costBasis.mul(closedQuantity).div(current.quantity).toDecimalPlaces(SHARE_DECIMALS);
  const proceeds = closedQuantity.mul(fill.price);
  const realizedPnl = current.side === 'long' ? proceeds.minus(costRemoved) : costRemoved.minus(proceeds);
  const marginReleased = closedQuantity.equals(current.quantity)
    ? current.margin
    : current.margin.mul(closedQuantity).div(current.quantity).toDecimalPlaces(SHARE_DECIMALS);
  const remaining = current.quantity.minus(closedQuantity);
  const afterClose: PositionAmounts = {
    side: current.side,
    quantity: remaining,
    entryPrice: remaining.isZero() ? ZERO : current.entryPrice,
    costBasis: current.costBasis.minus(costRemoved),
    leverage: current.leverage,
    margin: remaining.isZero() ? ZERO : current.margin.minus(marginReleased),
    realizedPnl: current.realizedPnl.plus(realizedPnl),
    fees,
  };
  const leftover = fill.quantity.minus(closedQuantity);
  if (leftover.isZero() || fill.marketType === 'spot') {
    return {
      position: afterClose,
      realizedPnl,
      closedQuantity,
      openedQuantity: ZERO,
      marginReleased: current.margin.minus(afterClose.margin),
      marginLocked: ZERO,
    };
  }
  // A futures fill larger than the position flips it: the rest opens the other side (no second fee).
  const flipped = applyFillToPosition(afterClose, { ...fill, quantity: leftover, fee: ZERO });
  return {
    position: flipped.position,
    realizedPnl,
    closedQuantity,
    openedQuantity: flipped.openedQuantity,
    marginReleased: current.margin.minus(afterClose.margin),
    marginLocked: flipped.marginLocked,
  };
}

/**
 * Isolated-margin liquidation price of a linear (USDT-margined) position, Binance's single-bracket form:
 * long = entry * (1 - 1/leverage + mmr), short = entry * (1 + 1/leverage - mmr).
 */
export function liquidationPrice(
  position: PositionAmounts,
  maintenanceMarginRate: Decimal,
): Decimal | undefined {
  if (position.quantity.isZero()) return undefined;
  const inverseLeverage = new Decimal(1).div(position.leverage);
  const factor =
    position.side === 'long'
      ? new Decimal(1).minus(inverseLeverage).plus(maintenanceMarginRate)
      : new Decimal(1).plus(inverseLeverage).minus(maintenanceMarginRate);
  const price = position.entryPrice.mul(factor);
  return price.isNegative() ? ZERO : price;
}

/** Unrealized PnL of the open quantity at `mark`: its marked value against what it cost. */
export function unrealizedPnl(
  position: Pick<PositionAmounts, 'side' | 'quantity' | 'costBasis'>,
  mark: Decimal,
): Decimal {
  const value = mark.mul(position.quantity);
  return position.side === 'long' ? value.minus(position.costBasis) : position.costBasis.minus(value);
}
