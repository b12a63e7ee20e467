import type { MarketEvent } from './market-event.ts';

/** The listener registry the feeds share. */
export class MarketEventEmitter {
  private readonly listeners = new Set<(event: MarketEvent) => void>();

  subscribe(listener: (event: MarketEvent) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (event: MarketEvent): void => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /**
   * Every listener sees the event even when an earlier one throws; the first error is rethrown afterwards
   * so a broken consumer is loud, not silently skipped.
   */
  emit(event: MarketEvent): void {
    let failure: { readonly error: unknown } | undefined;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  get size(): number {
    return this.listeners.size;
  }
}
