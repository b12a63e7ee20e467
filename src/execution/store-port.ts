import type { Decimal } from '../domain/decimal.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import type {
  AuditStatus,
  Liquidity,
  MarketType,
  OrderSource,
  OrderType,
  Side,
  TimeInForce,
} from '../domain/order-types.ts';
import type { PositionSide } from '../domain/position-math.ts';
import type { PositionStatus } from '../domain/position-transitions.ts';

import type { RiskLimits } from '../domain/risk-limits.ts';
import type { TradingState } from '../domain/risk-rules.ts';

export type { TradingState };

export interface AccountRecord {
  readonly id: string;
  readonly userId: string;
  readonly venue: string;
  readonly marketType: MarketType;
  readonly label: string;
  readonly tradingState: TradingState;
  /** Why it is not ACTIVE: a reason code such as DAILY_LOSS_LIMIT or KILL_SWITCH. */
  readonly haltReason?: string;
  readonly haltedAt?: Date;
  /** Whether the next UTC day lifts the halt (daily loss only). */
  readonly resumeNextDay: boolean;
  readonly equityPeak?: Decimal;
}

export interface RecentOrderRecord {
  readonly at: Date;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: Decimal;
  readonly price?: Decimal;
}

export interface BalanceRecord {
  readonly accountId: string;
  readonly asset: string;
  readonly total: Decimal;
  readonly reserved: Decimal;
}

export interface OrderLinks {
  readonly botId?: string;
  readonly copySetupId?: string;
  readonly signalId?: string;
  readonly positionId?: string;
}

export interface OrderRecord extends OrderLinks {
  readonly id: string;
  readonly userId: string;
  readonly accountId: string;
  readonly venue: string;
  readonly clientOrderId: string;
  readonly venueOrderId?: string;
  readonly source: OrderSource;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly protectionPrice?: Decimal;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  readonly leverage: number;
  readonly reduceOnly: boolean;
  readonly status: OrderStatus;
  readonly filledQuantity: Decimal;
  readonly averagePrice?: Decimal;
  readonly fees: Decimal;
  readonly reserveAsset: string;
  readonly reservedRemaining: Decimal;
  readonly requestHash: string;
  readonly reasonCode?: string;
  readonly message?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The fields of an order a state change may touch. */
export type OrderPatch = Partial<
  Pick<
    OrderRecord,
    | 'venueOrderId'
    | 'status'
    | 'filledQuantity'
    | 'averagePrice'
    | 'fees'
    | 'reservedRemaining'
    | 'reasonCode'
    | 'message'
    | 'positionId'
  >
>;

export interface FillRecord {
  readonly id: string;
  readonly userId: string;
  readonly accountId: string;
  readonly orderId: string;
  readonly venueTradeId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: Decimal;
  readonly quantity: Decimal;
  /** In `feeAsset`, as the venue charged it. */
  readonly fee: Decimal;
  readonly feeAsset: string;
  /** The fee valued in the quote asset at the fill price (zero when paid in a third asset): what PnL counts. */
  readonly feeInQuote: Decimal;
  readonly liquidity: Liquidity;
  readonly realizedPnl: Decimal;
  readonly executedAt: Date;
}

export interface PositionRecord {
  readonly id: string;
  readonly userId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: PositionSide;
  readonly status: PositionStatus;
  readonly quantity: Decimal;
  readonly entryPrice: Decimal;
  readonly costBasis: Decimal;
  readonly leverage: number;
  readonly margin: Decimal;
  readonly liquidationPrice?: Decimal;
  readonly realizedPnl: Decimal;
  readonly fees: Decimal;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  /** Trailing stop distance as a fraction of price, and the best price seen since. */
  readonly trailingStopPct?: Decimal;
  readonly trailingAnchor?: Decimal;
  readonly signalId?: string;
  readonly botId?: string;
  readonly openedAt?: Date;
  readonly closedAt?: Date;
}

export interface AuditInput {
  readonly accountId?: string;
  readonly orderId?: string;
  readonly source: OrderSource;
  readonly status: AuditStatus;
  readonly reasonCode?: string;
  readonly message: string;
  readonly symbol?: string;
  readonly side?: Side;
  readonly minNotional?: Decimal;
  readonly availableBalance?: Decimal;
  readonly requiredBalance?: Decimal;
  readonly requestPayload: unknown;
  readonly venueResponse?: unknown;
  readonly exchangeOrderId?: string;
}

export interface AuditRecord extends AuditInput {
  readonly id: number;
  readonly userId: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly createdAt: Date;
}

export interface OrderEventInput {
  readonly orderId: string;
  readonly kind: string;
  readonly fromStatus?: OrderStatus;
  readonly toStatus: OrderStatus;
  readonly attempt?: number;
  readonly detail?: unknown;
}

export interface OrderEventRecord extends OrderEventInput {
  readonly id: number;
  readonly createdAt: Date;
}

/**
 * Everything one execution transaction may read or write, scoped to one user. Reads that end in
 * `ForUpdate` lock the row until the transaction ends; lock order is always account, then order and
 * position, then the user's own row (sequence numbers and the audit chain head).
 */
export interface UnitOfWork {
  readonly userId: string;
  lockAccount(accountId: string): Promise<AccountRecord | undefined>;
  balances(accountId: string): Promise<readonly BalanceRecord[]>;
  /** Adds the deltas to the account's asset row, creating it at zero first if needed. */
  adjustBalance(accountId: string, asset: string, deltaTotal: Decimal, deltaReserved: Decimal): Promise<void>;
  findOrderByClientId(accountId: string, clientOrderId: string): Promise<OrderRecord | undefined>;
  lockOrder(orderId: string): Promise<OrderRecord | undefined>;
  insertOrder(order: OrderRecord): Promise<void>;
  /** Inserts unless the account already has an order with this client order id (unique per account). */
  insertOrderIfAbsent(order: OrderRecord): Promise<boolean>;
  updateOrder(orderId: string, patch: OrderPatch): Promise<void>;
  countWorkingOrders(accountId: string, symbol: string, marketType: MarketType): Promise<number>;
  /** Records a fill; false when this venue trade id was already recorded for the account (applied once). */
  insertFill(fill: FillRecord): Promise<boolean>;
  lockLivePosition(
    accountId: string,
    symbol: string,
    marketType: MarketType,
  ): Promise<PositionRecord | undefined>;
  lockPosition(positionId: string): Promise<PositionRecord | undefined>;
  savePosition(position: PositionRecord): Promise<void>;
  appendOrderEvent(event: OrderEventInput): Promise<void>;
  /** The account's limits; undefined when none were set (the defaults apply). */
  riskLimits(accountId: string): Promise<RiskLimits | undefined>;
  livePositions(accountId: string): Promise<readonly PositionRecord[]>;
  workingOrders(accountId: string): Promise<readonly OrderRecord[]>;
  /** Orders the account placed (not skipped attempts) since `since`. */
  recentOrders(accountId: string, since: Date): Promise<readonly RecentOrderRecord[]>;
  /** Realized PnL and fees of the account's fills since `since`. */
  fillTotalsSince(accountId: string, since: Date): Promise<{ realizedPnl: Decimal; fees: Decimal }>;
  setTradingState(
    accountId: string,
    state: TradingState,
    reason: string | undefined,
    resumeNextDay: boolean,
  ): Promise<void>;
  setEquityPeak(accountId: string, peak: Decimal): Promise<void>;
  saveRiskLimits(accountId: string, limits: RiskLimits): Promise<void>;
  /** Records a signal; false when the user already sent this signal id (processed once). */
  insertSignal(signal: SignalRecord): Promise<boolean>;
  findSignal(signalId: string): Promise<SignalRecord | undefined>;
  updateSignal(id: string, patch: SignalPatch): Promise<void>;
  /** The signals whose position just closed follow it to `closed`. */
  closeSignalsOfPosition(positionId: string): Promise<void>;
  recordEquity(
    accountId: string,
    equity: Decimal,
    realizedPnl: Decimal,
    unrealizedPnl: Decimal,
  ): Promise<void>;
  /**
   * The newest audit row of the account with this reason code whose request payload contains `subject`
   * (the reconciler's reports name what they are about there, e.g. `{ asset: 'BTC' }`).
   */
  latestAudit(
    accountId: string,
    reasonCode: string,
    subject: Readonly<Record<string, string>>,
  ): Promise<AuditRecord | undefined>;
  /** Appends to the user's hash-chained audit log. */
  appendAudit(entry: AuditInput): Promise<AuditRecord>;
  /**
   * Queues an event for the user's stream. Events are written to the outbox when the work commits, in
   * the order they were published, with consecutive per-user sequence numbers.
   */
  publish(topic: string, payload: unknown): Promise<void>;
}

export type SignalDecision = 'enter_trade' | 'wait' | 'bad';
/** received -> ready -> in_position -> closed; or recorded (wait/bad) or rejected (with the reason). */
export type SignalStatus = 'received' | 'ready' | 'in_position' | 'closed' | 'recorded' | 'rejected';

export interface SignalRecord {
  readonly id: string;
  readonly userId: string;
  readonly signalId: string;
  readonly accountId?: string;
  readonly symbol: string;
  readonly side: Side;
  readonly decision: SignalDecision;
  readonly status: SignalStatus;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  readonly sizing?: unknown;
  readonly positionId?: string;
  readonly orderId?: string;
  readonly reasonCode?: string;
  readonly message?: string;
  readonly source: string;
  readonly createdAt: Date;
}

export type SignalPatch = Partial<
  Pick<
    SignalRecord,
    'status' | 'positionId' | 'orderId' | 'reasonCode' | 'message' | 'accountId' | 'stopLoss' | 'takeProfit'
  >
>;

export interface ExecutionStore {
  /** Runs `work` in one database transaction on behalf of `userId`; all of it commits or none does. */
  transaction<T>(userId: string, work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
}
