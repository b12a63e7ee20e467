import { and, count, eq, notInArray } from 'drizzle-orm';
import { FINAL_ORDER_STATUSES } from '../domain/order-status.ts';
import type {
  ExchangeAccountStore,
  ExchangeAccountView,
  LiveExchange,
  SealedCredentials,
  StoredExchangeKey,
} from '../execution/exchange-accounts.ts';
import type { Decimal } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import type { Database } from './database.ts';
import { systemTransaction, userTransaction } from './scoped-transaction.ts';
import { num } from './row-mappers.ts';
import { balances, exchangeAccounts, exchangeKeys, orders } from './schema.ts';

type KeyRow = typeof exchangeKeys.$inferSelect;
type AccountRow = typeof exchangeAccounts.$inferSelect;

function toView(key: KeyRow, account: AccountRow): ExchangeAccountView {
  return {
    accountId: account.id,
    userId: account.userId,
    keyId: key.id,
    exchange: key.exchange as LiveExchange,
    venue: account.venue,
    marketType: account.marketType as MarketType,
    label: account.label,
    ...(key.baseUrl !== null && { baseUrl: key.baseUrl }),
    maskedKey: key.maskedKey,
    version: key.version,
    createdAt: key.createdAt,
  };
}

/** Live exchange accounts and their encrypted keys. */
export class DrizzleExchangeKeyStore implements ExchangeAccountStore {
  constructor(private readonly db: Database) {}

  async createExchangeAccount(input: {
    readonly view: Omit<ExchangeAccountView, 'createdAt'>;
    readonly sealed: SealedCredentials;
    readonly balances: ReadonlyMap<string, Decimal>;
  }): Promise<void> {
    const { view, sealed } = input;
    await userTransaction(this.db, view.userId, async (tx) => {
      await tx.insert(exchangeAccounts).values({
        id: view.accountId,
        userId: view.userId,
        venue: view.venue,
        marketType: view.marketType,
        label: view.label,
      });
      await tx.insert(exchangeKeys).values({
        id: view.keyId,
        userId: view.userId,
        accountId: view.accountId,
        exchange: view.exchange,
        baseUrl: view.baseUrl ?? null,
        version: view.version,
        masterKeyId: sealed.masterKeyId,
        wrappedDataKey: sealed.wrappedDataKey,
        ciphertext: sealed.ciphertext,
        maskedKey: view.maskedKey,
      });
      for (const [asset, total] of input.balances) {
        if (total.isZero()) continue;
        await tx
          .insert(balances)
          .values({ accountId: view.accountId, userId: view.userId, asset, total: num(total) });
      }
    });
  }

  async listExchangeAccounts(userId: string): Promise<readonly ExchangeAccountView[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(exchangeKeys)
        .innerJoin(exchangeAccounts, eq(exchangeAccounts.id, exchangeKeys.accountId))
        .where(eq(exchangeKeys.userId, userId))
        .orderBy(exchangeKeys.createdAt),
    );
    return rows.map((row) => toView(row.exchange_keys, row.exchange_accounts));
  }

  async allExchangeKeys(): Promise<readonly StoredExchangeKey[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx
        .select()
        .from(exchangeKeys)
        .innerJoin(exchangeAccounts, eq(exchangeAccounts.id, exchangeKeys.accountId)),
    );
    return rows.map((row) => ({
      ...toView(row.exchange_keys, row.exchange_accounts),
      sealed: {
        masterKeyId: row.exchange_keys.masterKeyId,
        wrappedDataKey: row.exchange_keys.wrappedDataKey,
        ciphertext: row.exchange_keys.ciphertext,
      },
    }));
  }

  async countOpenOrders(accountId: string): Promise<number> {
    const [row] = await systemTransaction(this.db, (tx) =>
      tx
        .select({ n: count() })
        .from(orders)
        .where(and(eq(orders.accountId, accountId), notInArray(orders.status, [...FINAL_ORDER_STATUSES]))),
    );
    return Number(row?.n ?? 0);
  }

  async deleteExchangeKey(userId: string, accountId: string): Promise<boolean> {
    const deleted = await userTransaction(this.db, userId, (tx) =>
      tx
        .delete(exchangeKeys)
        .where(and(eq(exchangeKeys.userId, userId), eq(exchangeKeys.accountId, accountId)))
        .returning({ id: exchangeKeys.id }),
    );
    return deleted.length > 0;
  }

  /** Master-key rotation: replaces the wrapped data key (and master key id) of one stored key. */
  async saveRewrapped(keyId: string, sealed: SealedCredentials): Promise<void> {
    await systemTransaction(this.db, (tx) =>
      tx
        .update(exchangeKeys)
        .set({
          masterKeyId: sealed.masterKeyId,
          wrappedDataKey: sealed.wrappedDataKey,
          ciphertext: sealed.ciphertext,
          rotatedAt: new Date(),
        })
        .where(eq(exchangeKeys.id, keyId)),
    );
  }
}
