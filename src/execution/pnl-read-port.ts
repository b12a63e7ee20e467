import { ZERO, type Decimal } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import { unrealizedPnl } from '../domain/position-math.ts';
import {
  DRAWDOWN_START,
  NO_EQUITY,
  addEquitySnapshot,
  drawdownOf,
  drawdownStep,
  tradeStats,
  type Drawdown,
  type TradeStats,
  type TradeTotals,
} from '../domain/pnl-stats.ts';
import type { VenueDirectory } from './execution-deps.ts';
import type { AuditRecord, FillRecord, OrderRecord, PositionRecord } from './store-port.ts';

/**
 * Which rows a report covers: one user always, optionally one of their accounts, and a time range that is
 * inclusive at both ends (as the order list's from/to).
 */
export interface PnlScope {
  readonly accountId?: string;
  readonly from?: Date;
  readonly to?: Date;
}

/** An export always has a bounded range. */
export interface ExportScope extends PnlScope {
  readonly from: Date;
  readonly to: Date;
}

export interface FillTotals {
  readonly realizedPnl: Decimal;
  readonly fees: Decimal;
  readonly fills: number;
  /** Sum of price x quantity. */
  readonly volume: Decimal;
}

export interface DailyPnlRow extends FillTotals {
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
}

export interface SymbolPnlRow extends FillTotals {
  readonly symbol: string;
  readonly marketType: MarketType;
}

export interface LivePosition extends PositionRecord {
  /** Venue of the position's account (where its mark price comes from). */
  readonly venue: string;
}

export interface EquityPoint {
  readonly accountId: string;
  readonly equity: Decimal;
  readonly takenAt: Date;
}

/**
 * Read-only PnL and export queries, every one scoped by the user who asks. Money is summed in the database
 * as NUMERIC and read back exactly. The `export*` and `equitySnapshots` methods page through rows in key
 * order, so a long range is never held in memory at once.
 */
export interface PnlReadPort {
  /** Fills executed in the range. */
  fillTotals(userId: string, scope: PnlScope): Promise<FillTotals>;
  dailyPnl(userId: string, scope: PnlScope): Promise<readonly DailyPnlRow[]>;
  symbolPnl(userId: string, scope: PnlScope): Promise<readonly SymbolPnlRow[]>;
  /** Positions CLOSED in the range; a position's result is its realized PnL less its fees. */
  closedTradeTotals(userId: string, scope: PnlScope): Promise<TradeTotals>;
  /** Positions not CLOSED or FAILED, now (the range does not apply). */
  livePositions(userId: string, accountId?: string): Promise<readonly LivePosition[]>;
  /** Equity snapshots taken in the range, oldest first. */
  equitySnapshots(userId: string, scope: PnlScope): AsyncIterable<readonly EquityPoint[]>;
  /** Orders created in the range, oldest first. */
  exportOrders(userId: string, scope: ExportScope): AsyncIterable<readonly OrderRecord[]>;
  /** Fills executed in the range, oldest first. */
  exportFills(userId: string, scope: ExportScope): AsyncIterable<readonly FillRecord[]>;
  /** Audit rows written in the range, in chain order. */
  exportAudit(userId: string, scope: ExportScope): AsyncIterable<readonly AuditRecord[]>;
}

/** Mark price of a market at a venue; undefined when the venue has none (unknown venue or no quote). */
export type MarkPriceLookup = (venue: string, symbol: string, marketType: MarketType) => Decimal | undefined;

export function venueMarkPrice(venues: VenueDirectory): MarkPriceLookup {
  return (venue, symbol, marketType) => venues.get(venue)?.markPrice(symbol, marketType);
}

export interface PnlSummary {
  readonly fills: FillTotals;
  readonly unrealizedPnl: Decimal;
  /** Live positions left out of unrealized PnL because their venue has no mark for them. */
  readonly unpriced: readonly { readonly symbol: string; readonly marketType: MarketType }[];
  /** realized - fees + unrealized. */
  readonly netPnl: Decimal;
  readonly trades: TradeStats;
  /** Undefined when no equity snapshot falls in the range. */
  readonly drawdown?: Drawdown;
}

/** Realized, unrealized and fees, trade statistics over closed positions, and the equity drawdown. */
export async function pnlSummary(
  port: PnlReadPort,
  markPrice: MarkPriceLookup,
  userId: string,
  scope: PnlScope,
): Promise<PnlSummary> {
  const [fills, trades, live] = await Promise.all([
    port.fillTotals(userId, scope),
    port.closedTradeTotals(userId, scope),
    port.livePositions(userId, scope.accountId),
  ]);
  let unrealized = ZERO;
  const unpriced: { symbol: string; marketType: MarketType }[] = [];
  for (const position of live) {
    const mark = markPrice(position.venue, position.symbol, position.marketType);
    if (mark) unrealized = unrealized.plus(unrealizedPnl(position, mark));
    else unpriced.push({ symbol: position.symbol, marketType: position.marketType });
  }
  let equity = NO_EQUITY;
  let drawdown = DRAWDOWN_START;
  for await (const page of port.equitySnapshots(userId, scope)) {
    for (const point of page) {
      equity = addEquitySnapshot(equity, point.accountId, point.equity);
      drawdown = drawdownStep(drawdown, equity.total);
    }
  }
  return {
    fills,
    unrealizedPnl: unrealized,
    unpriced,
    netPnl: fills.realizedPnl.minus(fills.fees).plus(unrealized),
    trades: tradeStats(trades),
    drawdown: drawdown.points === 0 ? undefined : drawdownOf(drawdown),
  };
}
