import { createHash } from 'node:crypto';
import { decimalString, type Decimal } from '../domain/decimal.ts';
import type { MarketType, OrderSource, OrderType, Side, TimeInForce } from '../domain/order-types.ts';
import type { OrderLinks } from './store-port.ts';

/** What a client (terminal, bot, signal) asks for. Validated for shape at the edge, for sense by preflight. */
export interface OrderIntent {
  readonly userId: string;
  readonly accountId: string;
  readonly source: OrderSource;
  readonly links?: OrderLinks;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce?: TimeInForce;
  readonly quantity?: Decimal;
  readonly quoteQuantity?: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly leverage?: number;
  readonly reduceOnly?: boolean;
  readonly clientOrderId?: string;
  /** Exits attached to the position the order opens (enforced by the position monitor). */
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  /**
   * Why the system itself sends the order. Exits that only reduce risk (kill-switch flattening, a position's
   * stop loss or take profit) still go out when the account is HALTED: halting must never trap a position.
   */
  readonly purpose?: 'protective_exit';
}

/** The intent as plain JSON (decimal strings), for audit rows and hashing. */
export function intentPayload(intent: OrderIntent): Record<string, unknown> {
  const d = (v: Decimal | undefined) => (v === undefined ? undefined : decimalString(v));
  return {
    account_id: intent.accountId,
    source: intent.source,
    symbol: intent.symbol,
    market_type: intent.marketType,
    side: intent.side,
    type: intent.type,
    time_in_force: intent.timeInForce,
    quantity: d(intent.quantity),
    quote_quantity: d(intent.quoteQuantity),
    price: d(intent.price),
    stop_price: d(intent.stopPrice),
    leverage: intent.leverage,
    reduce_only: intent.reduceOnly ?? false,
    stop_loss: d(intent.stopLoss),
    take_profit: d(intent.takeProfit),
    purpose: intent.purpose,
    client_order_id: intent.clientOrderId,
    bot_id: intent.links?.botId,
    copy_setup_id: intent.links?.copySetupId,
    signal_id: intent.links?.signalId,
    position_id: intent.links?.positionId,
  };
}

/** Same order, same hash: a repeated client order id with another body is a conflict, not a second order. */
export function intentHash(intent: OrderIntent): string {
  const payload = intentPayload(intent);
  const canonical = JSON.stringify(
    Object.keys(payload)
      .sort()
      .map((k) => [k, payload[k] ?? null]),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

const CLIENT_ORDER_ID = /^[A-Za-z0-9_-]{1,36}$/;

export function isValidClientOrderId(value: string): boolean {
  return CLIENT_ORDER_ID.test(value);
}

/** Deterministic and Binance-safe: derived from our order id, 34 characters. */
export function clientOrderIdFor(orderId: string): string {
  return `fg${orderId.replace(/-/g, '')}`;
}
