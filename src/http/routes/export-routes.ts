import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { AppError } from '../../domain/app-error.ts';
import { decimalString, type Decimal } from '../../domain/decimal.ts';
import type { ExportScope, PnlReadPort } from '../../execution/pnl-read-port.ts';
import type { AuditRecord, FillRecord, OrderRecord } from '../../execution/store-port.ts';
import { principalOf } from '../authenticate.ts';
import { Uuid } from '../schemas.ts';
import { resolveScope, type AccountLookup } from './pnl-routes.ts';

export interface ExportRouteDeps {
  readonly pnl: PnlReadPort;
  readonly read: AccountLookup;
}

/** The longest range one export may cover. */
export const MAX_EXPORT_DAYS = 366;

export const ExportQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    account_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuery>;

/**
 * `text` cells may carry what a user or a venue wrote, so a spreadsheet must not read them as formulas;
 * `number` cells are our own decimal strings and keep their sign ("-3.5" stays a number).
 */
type CellKind = 'text' | 'number';

export interface CsvColumn<Row> {
  readonly header: string;
  readonly kind: CellKind;
  readonly value: (row: Row) => string | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field: formula-looking text prefixed with a single quote, then quoted when it must be. */
export function csvField(value: string | null | undefined, kind: CellKind): string {
  if (value === null || value === undefined) return '';
  const text = kind === 'text' && FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow<Row>(columns: readonly CsvColumn<Row>[], row: Row): string {
  return `${columns.map((c) => csvField(c.value(row), c.kind)).join(',')}\r\n`;
}

const text = <Row>(header: string, value: (row: Row) => string | null | undefined): CsvColumn<Row> => ({
  header,
  kind: 'text',
  value,
});
const decimal = <Row>(header: string, value: (row: Row) => Decimal | undefined): CsvColumn<Row> => ({
  header,
  kind: 'number',
  value: (row) => {
    const v = value(row);
    return v === undefined ? null : decimalString(v);
  },
});
const integer = <Row>(header: string, value: (row: Row) => number): CsvColumn<Row> => ({
  header,
  kind: 'number',
  value: (row) => String(value(row)),
});
const time = <Row>(header: string, value: (row: Row) => Date): CsvColumn<Row> => ({
  header,
  kind: 'number',
  value: (row) => value(row).toISOString(),
});
const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export const ORDER_COLUMNS: readonly CsvColumn<OrderRecord>[] = [
  text('id', (o) => o.id),
  text('account_id', (o) => o.accountId),
  time('created_at', (o) => o.createdAt),
  time('updated_at', (o) => o.updatedAt),
  text('client_order_id', (o) => o.clientOrderId),
  text('exchange_order_id', (o) => o.venueOrderId),
  text('venue', (o) => o.venue),
  text('source', (o) => o.source),
  text('symbol', (o) => o.symbol),
  text('market_type', (o) => o.marketType),
  text('side', (o) => o.side),
  text('type', (o) => o.type),
  text('time_in_force', (o) => o.timeInForce),
  decimal('quantity', (o) => o.quantity),
  decimal('price', (o) => o.price),
  decimal('stop_price', (o) => o.stopPrice),
  integer('leverage', (o) => o.leverage),
  text('reduce_only', (o) => String(o.reduceOnly)),
  text('status', (o) => o.status),
  decimal('filled_quantity', (o) => o.filledQuantity),
  decimal('average_price', (o) => o.averagePrice),
  decimal('fees', (o) => o.fees),
  text('reason_code', (o) => o.reasonCode),
  text('message', (o) => o.message),
  text('bot_id', (o) => o.botId),
  text('signal_id', (o) => o.signalId),
  text('position_id', (o) => o.positionId),
];

export const FILL_COLUMNS: readonly CsvColumn<FillRecord>[] = [
  text('id', (f) => f.id),
  text('order_id', (f) => f.orderId),
  text('account_id', (f) => f.accountId),
  time('executed_at', (f) => f.executedAt),
  text('trade_id', (f) => f.venueTradeId),
  text('symbol', (f) => f.symbol),
  text('side', (f) => f.side),
  decimal('price', (f) => f.price),
  decimal('quantity', (f) => f.quantity),
  decimal('fee', (f) => f.fee),
  text('fee_asset', (f) => f.feeAsset),
  text('liquidity', (f) => f.liquidity),
  decimal('realized_pnl', (f) => f.realizedPnl),
];

export const AUDIT_COLUMNS: readonly CsvColumn<AuditRecord>[] = [
  integer('id', (a) => a.id),
  time('created_at', (a) => a.createdAt),
  text('account_id', (a) => a.accountId),
  text('order_id', (a) => a.orderId),
  text('source', (a) => a.source),
  text('status', (a) => a.status),
  text('reason_code', (a) => a.reasonCode),
  text('message', (a) => a.message),
  text('symbol', (a) => a.symbol),
  text('side', (a) => a.side),
  decimal('min_notional', (a) => a.minNotional),
  decimal('available_balance', (a) => a.availableBalance),
  decimal('required_balance', (a) => a.requiredBalance),
  text('exchange_order_id', (a) => a.exchangeOrderId),
  text('request_payload', (a) => json(a.requestPayload)),
  text('venue_response', (a) => json(a.venueResponse)),
  text('prev_hash', (a) => a.prevHash),
  text('hash', (a) => a.hash),
];

async function exportScope(read: AccountLookup, userId: string, query: ExportQuery): Promise<ExportScope> {
  const scope = await resolveScope(read, userId, query);
  const { from, to } = scope;
  if (!from || !to) throw new AppError('VALIDATION_FAILED', 'from and to are required.');
  if (to.getTime() - from.getTime() > MAX_EXPORT_DAYS * 86_400_000) {
    throw new AppError(
      'VALIDATION_FAILED',
      `An export covers at most ${MAX_EXPORT_DAYS} days; split the range.`,
      {
        from: query.from,
        to: query.to,
      },
    );
  }
  return { ...scope, from, to };
}

/**
 * The header, then one chunk per page of rows. The first page is read before anything is sent, so a
 * failing query still answers with the error envelope rather than a truncated 200.
 */
async function csvStream<Row>(
  columns: readonly CsvColumn<Row>[],
  rows: AsyncIterable<readonly Row[]>,
): Promise<Readable> {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* chunks(): AsyncGenerator<string> {
    yield `${columns.map((c) => csvField(c.header, 'text')).join(',')}\r\n`;
    let page = first;
    while (!page.done) {
      yield page.value.map((row) => csvRow(columns, row)).join('');
      page = await iterator.next();
    }
  }
  return Readable.from(chunks());
}

const fileStamp = (at: Date): string => at.toISOString().replace(/[-:.]/g, '');

export function exportRoutes(deps: ExportRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const csvRoute = <Row>(
      name: string,
      columns: readonly CsvColumn<Row>[],
      read: (userId: string, scope: ExportScope) => AsyncIterable<readonly Row[]>,
    ) =>
      app.get(`/export/${name}.csv`, { schema: { querystring: ExportQuery } }, async (request, reply) => {
        const principal = principalOf(request);
        const scope = await exportScope(deps.read, principal.userId, request.query);
        const body = await csvStream(columns, read(principal.userId, scope));
        const filename = `fillgate-${name}-${fileStamp(scope.from)}-${fileStamp(scope.to)}.csv`;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .header('cache-control', 'no-store')
          .send(body);
      });

    csvRoute('orders', ORDER_COLUMNS, (userId, scope) => deps.pnl.exportOrders(userId, scope));
    csvRoute('fills', FILL_COLUMNS, (userId, scope) => deps.pnl.exportFills(userId, scope));
    csvRoute('audit', AUDIT_COLUMNS, (userId, scope) => deps.pnl.exportAudit(userId, scope));
  };
}
