import { Decimal } from '../src/domain/decimal.ts';
import type { MarketType } from '../src/domain/order-types.ts';
import type { MarketDataFeed, MarketEvent } from '../src/venues/market-data/market-event.ts';

export interface ConstantBook {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly bid: string;
  readonly ask: string;
  readonly size: string;
}

/**
 * A market that never moves: one deep level each side, published once when the feed starts (and to every
 * later subscriber), so every benchmark order fills at the same price and nothing else runs in between.
 */
export class ConstantBookFeed implements MarketDataFeed {
  private readonly listeners = new Set<(event: MarketEvent) => void>();

  constructor(private readonly books: readonly ConstantBook[]) {}

  onEvent(listener: (event: MarketEvent) => void): () => void {
    const entry = (event: MarketEvent): void => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  start(): void {
    for (const book of this.books) {
      const event: MarketEvent = {
        kind: 'book',
        symbol: book.symbol,
        marketType: book.marketType,
        bids: [{ price: new Decimal(book.bid), quantity: new Decimal(book.size) }],
        asks: [{ price: new Decimal(book.ask), quantity: new Decimal(book.size) }],
        timestamp: new Date(),
      };
      for (const listener of [...this.listeners]) listener(event);
    }
  }

  stop(): void {}
}
