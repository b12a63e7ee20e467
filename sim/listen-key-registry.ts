import { randomBytes } from 'node:crypto';
import type { MarketType } from '../src/domain/order-types.ts';
import type { SimAccount } from './sim-account.ts';

export interface ListenKeyEntry {
  readonly listenKey: string;
  readonly account: SimAccount;
  readonly marketType: MarketType;
  keepAliveAt: number;
}

/** User data stream keys (`POST /fapi/v1/listenKey`, `POST /api/v3/userDataStream`). */
export class ListenKeyRegistry {
  private readonly entries = new Map<string, ListenKeyEntry>();

  /** Binance hands out the account's existing key while it is alive, and extends it. */
  create(account: SimAccount, marketType: MarketType): ListenKeyEntry {
    const existing = [...this.entries.values()].find(
      (entry) => entry.account === account && entry.marketType === marketType,
    );
    if (existing) {
      existing.keepAliveAt = Date.now();
      return existing;
    }
    const entry = {
      listenKey: randomBytes(32).toString('base64url'),
      account,
      marketType,
      keepAliveAt: Date.now(),
    };
    this.entries.set(entry.listenKey, entry);
    return entry;
  }

  get(listenKey: string): ListenKeyEntry | undefined {
    return this.entries.get(listenKey);
  }

  forAccount(account: SimAccount, marketType: MarketType): ListenKeyEntry | undefined {
    return [...this.entries.values()].find(
      (entry) => entry.account === account && entry.marketType === marketType,
    );
  }

  delete(listenKey: string): boolean {
    return this.entries.delete(listenKey);
  }
}
