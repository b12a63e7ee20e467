import { ZERO, type Decimal } from '../domain/decimal.ts';
import { unrealizedPnl } from '../domain/position-math.ts';
import type { AccountRecord, BalanceRecord, PositionRecord } from './store-port.ts';
import type { VenuePort } from './venue-port.ts';

/** Everything is valued in USDT: every market Fillgate lists is quoted in it. */
export const VALUATION_ASSET = 'USDT';

export interface AccountValuation {
  readonly equity: Decimal;
  readonly unrealizedPnl: Decimal;
}

/**
 * Marks an account to market. Spot: every asset at its USDT mark (an asset with no price is left out
 * rather than guessed). USD-M: the wallet plus the open positions' unrealized PnL.
 */
export function valueAccount(
  venue: VenuePort,
  account: AccountRecord,
  balances: readonly BalanceRecord[],
  positions: readonly PositionRecord[],
): AccountValuation {
  let unrealized = ZERO;
  for (const position of positions) {
    const mark = venue.markPrice(position.symbol, position.marketType);
    if (mark) unrealized = unrealized.plus(unrealizedPnl(position, mark));
  }
  if (account.marketType === 'futures') {
    const wallet = balances.find((b) => b.asset === VALUATION_ASSET)?.total ?? ZERO;
    return { equity: wallet.plus(unrealized), unrealizedPnl: unrealized };
  }
  let equity = ZERO;
  for (const balance of balances) {
    if (balance.asset === VALUATION_ASSET) {
      equity = equity.plus(balance.total);
      continue;
    }
    const mark = venue.markPrice(`${balance.asset}${VALUATION_ASSET}`, 'spot');
    if (mark) equity = equity.plus(balance.total.mul(mark));
  }
  return { equity, unrealizedPnl: unrealized };
}

/** 00:00 UTC of the day `now` falls in. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
