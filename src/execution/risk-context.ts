import { ZERO, maxDecimal, type Decimal } from '../domain/decimal.ts';
import type { OrderPlan } from '../domain/preflight.ts';
import type { RiskContext, RiskOrder } from '../domain/risk-rules.ts';
import { VALUATION_ASSET, startOfUtcDay, valueAccount } from './account-valuation.ts';
import type { OrderIntent } from './order-intent.ts';
import type { AccountRecord, OrderRecord, PositionRecord, UnitOfWork } from './store-port.ts';
import type { VenuePort } from './venue-port.ts';

const RECENT_WINDOW_MS = 60_000;

interface SymbolBook {
  /** Signed open position: long positive, short negative. */
  position: Decimal;
  /** Remaining quantity of working buys and sells. */
  buys: Decimal;
  sells: Decimal;
  mark: Decimal | undefined;
}

function signed(position: PositionRecord): Decimal {
  return position.side === 'long' ? position.quantity : position.quantity.neg();
}

/** The worst case of a symbol: every working buy fills, or every working sell does. */
function worstExposure(book: SymbolBook): Decimal {
  if (!book.mark) return ZERO;
  const up = book.position.plus(book.buys).abs();
  const down = book.position.minus(book.sells).abs();
  return maxDecimal(up, down).mul(book.mark);
}

function remaining(order: OrderRecord): Decimal {
  return order.quantity.minus(order.filledQuantity);
}

export interface RiskSnapshot {
  readonly context: RiskContext;
  readonly equity: Decimal;
}

/**
 * Gathers, under the account lock, everything the pure risk rules need about the account as it stands
 * with this order added: exposure counts working orders too, so concurrent orders cannot slip past a limit.
 */
export async function buildRiskContext(
  uow: UnitOfWork,
  venue: VenuePort,
  account: AccountRecord,
  intent: OrderIntent,
  plan: OrderPlan,
  now: Date,
  duplicateWindowS: number | null | undefined,
): Promise<RiskSnapshot> {
  // One connection per transaction: its queries go one after another.
  const positions = await uow.livePositions(account.id);
  const working = await uow.workingOrders(account.id);
  const balances = await uow.balances(account.id);
  const books = new Map<string, SymbolBook>();
  const bookOf = (symbol: string): SymbolBook => {
    let book = books.get(symbol);
    if (!book) {
      book = { position: ZERO, buys: ZERO, sells: ZERO, mark: venue.markPrice(symbol, account.marketType) };
      books.set(symbol, book);
    }
    return book;
  };
  for (const position of positions) bookOf(position.symbol).position = signed(position);
  let reducingSameSide = ZERO;
  for (const order of working) {
    const book = bookOf(order.symbol);
    if (order.side === 'buy') book.buys = book.buys.plus(remaining(order));
    else book.sells = book.sells.plus(remaining(order));
    if (order.symbol === intent.symbol && order.side === intent.side)
      reducingSameSide = reducingSameSide.plus(remaining(order));
  }

  const own = bookOf(intent.symbol);
  const direction = intent.side === 'buy' ? 1 : -1;
  const opposite = own.position.mul(direction).isNegative() ? own.position.abs() : ZERO;
  const reducesRisk =
    (intent.reduceOnly ?? false) ||
    (opposite.greaterThan(0) && plan.quantity.lessThanOrEqualTo(opposite.minus(reducingSameSide)));
  const opensPosition = own.position.isZero() || opposite.greaterThan(0) ? !reducesRisk : false;
  if (intent.side === 'buy') own.buys = own.buys.plus(plan.quantity);
  else own.sells = own.sells.plus(plan.quantity);

  let total = ZERO;
  for (const book of books.values()) total = total.plus(worstExposure(book));

  const since = new Date(
    Math.min(now.getTime() - RECENT_WINDOW_MS, now.getTime() - (duplicateWindowS ?? 0) * 1000),
  );
  const dayStart = startOfUtcDay(now);
  const recent = await uow.recentOrders(account.id, since);
  const today = await uow.fillTotalsSince(account.id, dayStart);
  const valuation = valueAccount(venue, account, balances, positions);
  const order: RiskOrder = {
    symbol: intent.symbol,
    marketType: intent.marketType,
    side: intent.side,
    type: intent.type,
    quantity: plan.quantity,
    price: plan.price,
    stopPrice: plan.stopPrice,
    notional: plan.notional,
    reduceOnly: intent.reduceOnly ?? false,
    reducesRisk,
    opensPosition,
    stopLoss: intent.stopLoss,
  };
  return {
    equity: valuation.equity,
    context: {
      now,
      tradingState: account.tradingState,
      order,
      markPrice: own.mark,
      positionNotionalAfter: worstExposure(own),
      totalExposureAfter: total,
      pnlToday: today.realizedPnl.minus(today.fees).plus(valuation.unrealizedPnl),
      equity: valuation.equity,
      equityPeak: maxDecimal(account.equityPeak ?? valuation.equity, valuation.equity),
      recentOrders: recent,
      openOrders: working.length,
      valuationAsset: VALUATION_ASSET,
    },
  };
}
