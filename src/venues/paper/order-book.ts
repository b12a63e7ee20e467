import { type Decimal, minDecimal } from '../../domain/decimal.ts';
import { marketKey } from '../../domain/market-rules.ts';
import type { MarketType, Side } from '../../domain/order-types.ts';
import type { BookLevel, BookSnapshotEvent, TradeEvent } from '../market-data/market-event.ts';

/** A slice of liquidity a taker would get at one price. */
export interface BookSlice {
  readonly price: Decimal;
  readonly quantity: Decimal;
}

interface MarketBook {
  hasSnapshot: boolean;
  bids: readonly BookLevel[];
  asks: readonly BookLevel[];
  /** The touch as the feed last quoted it, before our own fills ate into it. */
  quotedBestBid: Decimal | undefined;
  quotedBestAsk: Decimal | undefined;
  /** The far end of each side as quoted: prices between the touch and here were on the market's screen. */
  quotedWorstBid: Decimal | undefined;
  quotedWorstAsk: Decimal | undefined;
  lastTrade: Decimal | undefined;
}

/**
 * The paper venue's view of each market: the latest snapshot per symbol and market type, minus the
 * liquidity our own taker fills consumed. The next snapshot replaces it whole, so consumption never
 * outlives the market's own update (as on a real venue, where others refill the book).
 */
export class OrderBook {
  private readonly books = new Map<string, MarketBook>();

  applySnapshot(event: BookSnapshotEvent): void {
    const book = this.bookFor(event.symbol, event.marketType, true)!;
    book.hasSnapshot = true;
    // Best first, whatever order the feed used; empty levels carry no liquidity.
    book.bids = event.bids
      .filter((level) => level.quantity.gt(0))
      .sort((a, b) => b.price.comparedTo(a.price));
    book.asks = event.asks
      .filter((level) => level.quantity.gt(0))
      .sort((a, b) => a.price.comparedTo(b.price));
    book.quotedBestBid = book.bids[0]?.price;
    book.quotedBestAsk = book.asks[0]?.price;
    book.quotedWorstBid = book.bids.at(-1)?.price;
    book.quotedWorstAsk = book.asks.at(-1)?.price;
  }

  recordTrade(event: TradeEvent): void {
    this.bookFor(event.symbol, event.marketType, true)!.lastTrade = event.price;
  }

  /** Whether a snapshot has been seen for the market (a trade alone makes no book; an empty one does). */
  hasBook(symbol: string, marketType: MarketType): boolean {
    return this.bookFor(symbol, marketType, false)?.hasSnapshot ?? false;
  }

  bids(symbol: string, marketType: MarketType): readonly BookLevel[] {
    return this.bookFor(symbol, marketType, false)?.bids ?? [];
  }

  asks(symbol: string, marketType: MarketType): readonly BookLevel[] {
    return this.bookFor(symbol, marketType, false)?.asks ?? [];
  }

  quotedBestBid(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.bookFor(symbol, marketType, false)?.quotedBestBid;
  }

  quotedBestAsk(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.bookFor(symbol, marketType, false)?.quotedBestAsk;
  }

  quotedWorstBid(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.bookFor(symbol, marketType, false)?.quotedWorstBid;
  }

  quotedWorstAsk(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.bookFor(symbol, marketType, false)?.quotedWorstAsk;
  }

  lastTradePrice(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.bookFor(symbol, marketType, false)?.lastTrade;
  }

  /** Mid of the current best bid and ask; undefined when either side is empty. */
  mid(symbol: string, marketType: MarketType): Decimal | undefined {
    const bid = this.bids(symbol, marketType)[0];
    const ask = this.asks(symbol, marketType)[0];
    return bid && ask ? bid.price.add(ask.price).div(2) : undefined;
  }

  /**
   * What a taker on `side` would get for `quantity`, best price first, never beyond `worstPrice` (a buy's
   * highest, a sell's lowest). Consumes nothing.
   */
  plan(
    symbol: string,
    marketType: MarketType,
    side: Side,
    quantity: Decimal,
    worstPrice: Decimal | undefined,
  ): BookSlice[] {
    const levels = side === 'buy' ? this.asks(symbol, marketType) : this.bids(symbol, marketType);
    const slices: BookSlice[] = [];
    let remaining = quantity;
    for (const level of levels) {
      if (remaining.lte(0)) break;
      if (worstPrice && (side === 'buy' ? level.price.gt(worstPrice) : level.price.lt(worstPrice))) break;
      const take = minDecimal(remaining, level.quantity);
      slices.push({ price: level.price, quantity: take });
      remaining = remaining.sub(take);
    }
    return slices;
  }

  /** Removes liquidity a taker on `side` consumed at `price`. */
  consume(symbol: string, marketType: MarketType, side: Side, price: Decimal, quantity: Decimal): void {
    const book = this.bookFor(symbol, marketType, false);
    if (!book) return;
    const levels = side === 'buy' ? book.asks : book.bids;
    const next = levels.flatMap((level) => {
      if (!level.price.eq(price)) return [level];
      const left = level.quantity.sub(quantity);
      return left.gt(0) ? [{ price: level.price, quantity: left }] : [];
    });
    if (side === 'buy') book.asks = next;
    else book.bids = next;
  }

  private bookFor(symbol: string, marketType: MarketType, create: boolean): MarketBook | undefined {
    const key = marketKey(symbol, marketType);
    let book = this.books.get(key);
    if (!book && create) {
      book = {
        hasSnapshot: false,
        bids: [],
        asks: [],
        quotedBestBid: undefined,
        quotedBestAsk: undefined,
        quotedWorstBid: undefined,
        quotedWorstAsk: undefined,
        lastTrade: undefined,
      };
      this.books.set(key, book);
    }
    return book;
  }
}
