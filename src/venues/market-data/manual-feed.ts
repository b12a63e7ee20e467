import type { MarketDataFeed, MarketEvent } from './market-event.ts';
import { MarketEventEmitter } from './market-event-emitter.ts';

/** A feed driven by hand: tests, scripted scenarios, a simulator injecting a market move. */
export class ManualFeed implements MarketDataFeed {
  private readonly emitter = new MarketEventEmitter();

  onEvent(listener: (event: MarketEvent) => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** Delivers events to every subscriber synchronously, in order. */
  push(...events: readonly MarketEvent[]): void {
    for (const event of events) this.emitter.emit(event);
  }

  /** Nothing runs on its own: events arrive only through `push`. */
  start(): void {}

  stop(): void {}

  get subscribers(): number {
    return this.emitter.size;
  }
}
