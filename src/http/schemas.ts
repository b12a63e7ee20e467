import { Type, type Static } from '@sinclair/typebox';
import {
  CLIENT_ORDER_SOURCES,
  MARKET_TYPES,
  ORDER_SOURCES,
  ORDER_TYPES,
  SIDES,
  TIME_IN_FORCE,
} from '../domain/order-types.ts';
import { ORDER_STATUSES } from '../domain/order-status.ts';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** A decimal as a string ("0.001"), or a JSON number read by its shortest decimal form (0.1 -> "0.1"). */
export const DecimalInput = Type.Union([
  Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 40 }),
  Type.Number({ minimum: 0 }),
]);

export const Uuid = Type.String({ format: 'uuid' });

export const PlaceOrderBody = Type.Object(
  {
    symbol: Type.String({ pattern: '^[A-Z0-9]{2,20}$' }),
    side: literals(SIDES),
    type: literals(ORDER_TYPES),
    market_type: Type.Optional(literals(MARKET_TYPES)),
    quantity: Type.Optional(DecimalInput),
    quote_quantity: Type.Optional(DecimalInput),
    price: Type.Optional(DecimalInput),
    stop_price: Type.Optional(DecimalInput),
    time_in_force: Type.Optional(literals(TIME_IN_FORCE)),
    leverage: Type.Optional(Type.Integer({ minimum: 1, maximum: 125 })),
    reduce_only: Type.Optional(Type.Boolean()),
    account_id: Type.Optional(Uuid),
    client_order_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,36}$' })),
    source: Type.Optional(literals(CLIENT_ORDER_SOURCES)),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const ExecutionResultSchema = Type.Object({
  success: Type.Boolean(),
  status: literals(['PLACED', 'SKIPPED', 'FAILED'] as const),
  order_id: Type.Union([Type.String(), Type.Null()]),
  exchange_order_id: Type.Union([Type.String(), Type.Null()]),
  reason_code: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
});

export const OrderListQuery = Type.Object(
  {
    status: Type.Optional(literals(ORDER_STATUSES)),
    symbol: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{2,20}$' })),
    source: Type.Optional(literals(ORDER_SOURCES)),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  },
  { additionalProperties: false },
);
export type OrderListQuery = Static<typeof OrderListQuery>;

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ExecutionLogsQuery = Type.Object(
  { source: Type.Optional(literals(ORDER_SOURCES)) },
  { additionalProperties: false },
);

export const TestOrderBody = Type.Object(
  { connectionId: Uuid, symbol: Type.String({ pattern: '^[A-Z0-9]{2,20}$' }) },
  { additionalProperties: false },
);

export const FuturesOrderBody = Type.Object(
  {
    connectionId: Uuid,
    symbol: Type.String({ pattern: '^[A-Z0-9]{2,20}$' }),
    side: literals(['buy', 'sell', 'BUY', 'SELL', 'long', 'short', 'LONG', 'SHORT'] as const),
    qty: Type.Optional(DecimalInput),
    quoteSizeUsdt: Type.Optional(DecimalInput),
    leverage: Type.Optional(Type.Integer({ minimum: 1, maximum: 125 })),
  },
  { additionalProperties: false },
);
