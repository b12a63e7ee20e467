import { Decimal } from '../../src/domain/decimal.ts';
import type { MarketType } from '../../src/domain/order-types.ts';
import { ManualFeed as BaseManualFeed } from '../../src/venues/market-data/manual-feed.ts';

/** The hand-driven feed, plus a one-call order book for tests that need prices to hold still. */
export class ManualFeed extends BaseManualFeed {
  /** One level each side: `bid x size` and `ask x size`. */
  book(symbol: string, marketType: MarketType, bid: string, ask: string, size: string): void {
    this.push({
      kind: 'book',
      symbol,
      marketType,
      bids: [{ price: new Decimal(bid), quantity: new Decimal(size) }],
      asks: [{ price: new Decimal(ask), quantity: new Decimal(size) }],
      timestamp: new Date(),
    });
  }
}
