import { ceilToStep, maxDecimal, type Decimal } from './decimal.ts';
import type { MarketRules } from './market-rules.ts';

/**
 * The smallest market-order quantity the venue accepts at `mark`: at least the market minimum quantity,
 * and enough for the minimum notional, one step over when the exact figure sits on the edge.
 */
export function smallestMarketQuantity(rules: MarketRules, mark: Decimal): Decimal {
  const step = rules.marketStepSize;
  let quantity = maxDecimal(rules.marketMinQty, ceilToStep(rules.minNotional.div(mark), step));
  if (quantity.mul(mark).lessThan(rules.minNotional)) quantity = quantity.plus(step);
  return quantity.isZero() ? step : quantity;
}
