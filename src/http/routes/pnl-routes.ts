import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { AppError } from '../../domain/app-error.ts';
import { ZERO, decimalString, type Decimal } from '../../domain/decimal.ts';
import type { MarketType } from '../../domain/order-types.ts';
import { VALUATION_ASSET } from '../../execution/account-valuation.ts';
import {
  pnlSummary,
  type FillTotals,
  type MarkPriceLookup,
  type PnlReadPort,
  type PnlScope,
} from '../../execution/pnl-read-port.ts';
import type { ReadPort } from '../../execution/read-port.ts';
import { principalOf } from '../authenticate.ts';
import { Uuid } from '../schemas.ts';

/** Whose account is whose: the ReadPort's lookup, shared with every other route. */
export type AccountLookup = Pick<ReadPort, 'findAccount'>;

/** What the PnL routes need: build-app passes `{ pnl, read, markPrice: venueMarkPrice(...) }`. */
export interface PnlRouteDeps {
  readonly pnl: PnlReadPort;
  readonly read: AccountLookup;
  readonly markPrice: MarkPriceLookup;
}

export const PnlQuery = Type.Object(
  {
    account_id: Type.Optional(Uuid),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type PnlQuery = Static<typeof PnlQuery>;

function instant(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) {
    throw new AppError('VALIDATION_FAILED', `${name} is not a valid date-time: ${text}.`, { field: name });
  }
  return at;
}

/** The caller's scope: their account (404 when it is not theirs) and an ordered time range. */
export async function resolveScope(
  read: AccountLookup,
  userId: string,
  query: { account_id?: string; from?: string; to?: string },
): Promise<PnlScope> {
  const from = instant('from', query.from);
  const to = instant('to', query.to);
  if (from && to && from.getTime() > to.getTime()) {
    throw new AppError('VALIDATION_FAILED', 'from must not be later than to.', {
      from: query.from,
      to: query.to,
    });
  }
  if (query.account_id && !(await read.findAccount(userId, query.account_id))) {
    throw new AppError('NOT_FOUND', `Account ${query.account_id} not found.`);
  }
  return { accountId: query.account_id, from, to };
}

const d = (value: Decimal | undefined): string | null => (value === undefined ? null : decimalString(value));

const NO_FILLS: FillTotals = { realizedPnl: ZERO, fees: ZERO, fills: 0, volume: ZERO };

function totalsView(totals: FillTotals) {
  return {
    realized_pnl: decimalString(totals.realizedPnl),
    fees: decimalString(totals.fees),
    net_pnl: decimalString(totals.realizedPnl.minus(totals.fees)),
    fills: totals.fills,
    volume: decimalString(totals.volume),
  };
}

/** Net open quantity (long positive, short negative) as a size and a side. */
function openView(net: Decimal) {
  return {
    open_quantity: decimalString(net.abs()),
    open_side: net.isZero() ? null : net.isNegative() ? 'short' : 'long',
  };
}

function scopeView(scope: PnlScope) {
  return {
    account_id: scope.accountId ?? null,
    from: scope.from?.toISOString() ?? null,
    to: scope.to?.toISOString() ?? null,
    currency: VALUATION_ASSET,
  };
}

export function pnlRoutes(deps: PnlRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/pnl/summary', { schema: { querystring: PnlQuery } }, async (request) => {
      const principal = principalOf(request);
      const scope = await resolveScope(deps.read, principal.userId, request.query);
      const summary = await pnlSummary(deps.pnl, deps.markPrice, principal.userId, scope);
      const { trades, drawdown } = summary;
      return {
        ...scopeView(scope),
        realized_pnl: decimalString(summary.fills.realizedPnl),
        fees: decimalString(summary.fills.fees),
        unrealized_pnl: decimalString(summary.unrealizedPnl),
        net_pnl: decimalString(summary.netPnl),
        fills: summary.fills.fills,
        volume: decimalString(summary.fills.volume),
        unpriced_positions: summary.unpriced.map((p) => ({ symbol: p.symbol, market_type: p.marketType })),
        trades: {
          count: trades.count,
          wins: trades.wins,
          losses: trades.losses,
          breakeven: trades.breakeven,
          win_rate_pct: d(trades.winRatePct),
          gross_profit: decimalString(trades.grossProfit),
          gross_loss: decimalString(trades.grossLoss),
          net: decimalString(trades.net),
          average_win: d(trades.averageWin),
          average_loss: d(trades.averageLoss),
          profit_factor: d(trades.profitFactor),
          largest_win: d(trades.largestWin),
          largest_loss: d(trades.largestLoss),
        },
        max_drawdown: drawdown
          ? {
              amount: decimalString(drawdown.amount),
              pct: decimalString(drawdown.pct),
              peak: d(drawdown.peak),
              trough: d(drawdown.trough),
              snapshots: drawdown.points,
            }
          : null,
      };
    });

    app.get('/pnl/daily', { schema: { querystring: PnlQuery } }, async (request) => {
      const principal = principalOf(request);
      const scope = await resolveScope(deps.read, principal.userId, request.query);
      const rows = await deps.pnl.dailyPnl(principal.userId, scope);
      return { ...scopeView(scope), days: rows.map((row) => ({ date: row.day, ...totalsView(row) })) };
    });

    app.get('/pnl/by-symbol', { schema: { querystring: PnlQuery } }, async (request) => {
      const principal = principalOf(request);
      const scope = await resolveScope(deps.read, principal.userId, request.query);
      const [rows, live] = await Promise.all([
        deps.pnl.symbolPnl(principal.userId, scope),
        deps.pnl.livePositions(principal.userId, scope.accountId),
      ]);
      // Net open quantity per market across the accounts in scope: long positive, short negative.
      const open = new Map<string, { symbol: string; marketType: MarketType; net: Decimal }>();
      for (const p of live) {
        const k = `${p.marketType}:${p.symbol}`;
        const signed = p.side === 'long' ? p.quantity : p.quantity.neg();
        const net = (open.get(k)?.net ?? ZERO).plus(signed);
        open.set(k, { symbol: p.symbol, marketType: p.marketType, net });
      }
      const symbols = rows.map((row) => {
        const k = `${row.marketType}:${row.symbol}`;
        const net = open.get(k)?.net ?? ZERO;
        open.delete(k);
        return { symbol: row.symbol, market_type: row.marketType, ...totalsView(row), ...openView(net) };
      });
      // A position opened before the range still shows, with no fills in it.
      for (const rest of open.values()) {
        symbols.push({
          symbol: rest.symbol,
          market_type: rest.marketType,
          ...totalsView(NO_FILLS),
          ...openView(rest.net),
        });
      }
      const order = (s: { symbol: string; market_type: string }) => `${s.symbol} ${s.market_type}`;
      symbols.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
      return { ...scopeView(scope), symbols };
    });
  };
}
