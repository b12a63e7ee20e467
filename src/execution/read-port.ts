import type { OrderStatus } from '../domain/order-status.ts';
import type { OrderSource } from '../domain/order-types.ts';
import type { PositionStatus } from '../domain/position-transitions.ts';
import type {
  AccountRecord,
  AuditRecord,
  BalanceRecord,
  FillRecord,
  OrderEventRecord,
  OrderRecord,
  PositionRecord,
  SignalRecord,
} from './store-port.ts';

export interface OrderFilter {
  readonly status?: OrderStatus;
  readonly symbol?: string;
  readonly source?: OrderSource;
  readonly from?: Date;
  readonly to?: Date;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Read-only queries behind the API; every one is scoped by the user who asks. */
export interface ReadPort {
  listAccounts(userId: string): Promise<readonly AccountRecord[]>;
  findAccount(userId: string, accountId: string): Promise<AccountRecord | undefined>;
  /** Every user's accounts: for an admin's kill switch only. */
  listAllAccounts(): Promise<readonly AccountRecord[]>;
  findPosition(userId: string, positionId: string): Promise<PositionRecord | undefined>;
  listBalances(userId: string): Promise<readonly BalanceRecord[]>;
  listOrders(userId: string, filter: OrderFilter): Promise<Page<OrderRecord>>;
  findOrder(userId: string, orderId: string): Promise<OrderRecord | undefined>;
  listFills(userId: string, orderId: string): Promise<readonly FillRecord[]>;
  listOrderEvents(userId: string, orderId: string): Promise<readonly OrderEventRecord[]>;
  listPositions(userId: string, status?: PositionStatus): Promise<readonly PositionRecord[]>;
  listSignals(userId: string, limit: number): Promise<readonly SignalRecord[]>;
  findSignal(userId: string, signalId: string): Promise<SignalRecord | undefined>;
  listAudit(
    userId: string,
    filter: { source?: OrderSource; orderId?: string; limit: number },
  ): Promise<readonly AuditRecord[]>;
}
