import type { Decimal } from './decimal.ts';
import type { MarketType } from './order-types.ts';

/**
 * One tradable instrument's exchange rules, as Binance states them in `exchangeInfo` filters.
 * Optional fields are filters the venue did not declare for the symbol: no check applies.
 */
export interface MarketRules {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Binance `status`: only `TRADING` accepts orders. */
  readonly status: string;
  /** PRICE_FILTER */
  readonly tickSize: Decimal;
  readonly minPrice: Decimal;
  /** Zero means no maximum (Binance convention). */
  readonly maxPrice: Decimal;
  /** LOT_SIZE (limit orders) */
  readonly stepSize: Decimal;
  readonly minQty: Decimal;
  readonly maxQty: Decimal;
  /** MARKET_LOT_SIZE; falls back to LOT_SIZE when absent or zero. */
  readonly marketStepSize: Decimal;
  readonly marketMinQty: Decimal;
  readonly marketMaxQty: Decimal;
  /** NOTIONAL (spot) or MIN_NOTIONAL (spot legacy / USD-M `notional`). */
  readonly minNotional: Decimal;
  /** Whether min notional applies to market orders too (spot NOTIONAL.applyMinToMarket; always for USD-M). */
  readonly applyMinToMarket: boolean;
  readonly maxNotional?: Decimal;
  /**
   * Allowed price band relative to the mark (weighted average or mark price):
   * a buy's price must be within [mark * bidDown, mark * bidUp], a sell's within [mark * askDown, mark * askUp].
   * PERCENT_PRICE (one band for both sides) is stored with bid = ask.
   */
  readonly priceBand?: {
    readonly bidUp: Decimal;
    readonly bidDown: Decimal;
    readonly askUp: Decimal;
    readonly askDown: Decimal;
  };
  /** MAX_NUM_ORDERS (spot) / MAX_NUM_ORDERS (USD-M `limit`) */
  readonly maxNumOrders?: number;
  /** USD-M: maximum leverage of the first bracket; spot: 1. */
  readonly maxLeverage: number;
  /** USD-M: maintenance margin rate of the first bracket (0.004 = 0.4%); spot: zero. */
  readonly maintenanceMarginRate: Decimal;
}

export function marketKey(symbol: string, marketType: MarketType): string {
  return `${marketType}:${symbol}`;
}
