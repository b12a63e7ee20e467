import { binanceErrors } from './binance-error.ts';
import type { RateLimitSettings } from './fault-controller.ts';

interface Bucket {
  windowStart: number;
  used: number;
  /** Requests answered 429 in this window: keep going and the IP gets banned. */
  rejected: number;
  bannedUntil: number;
}

export const DEFAULT_RATE_LIMIT: Required<RateLimitSettings> = {
  weightPerMinute: 1200,
  windowMs: 60_000,
  banAfterRejected: 5,
  banSeconds: 120,
};

/**
 * Binance's request-weight budget per IP (and per API family: spot and USD-M are separate hosts with
 * separate budgets). Over budget answers 429 with `Retry-After`; a client that keeps sending while
 * limited is banned with 418, as Binance does before escalating bans.
 */
export class RequestWeightLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Counts the weight and returns the window's total, or throws the 429 / 418 answer. */
  consume(key: string, weight: number, settings: Required<RateLimitSettings>, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { windowStart: now, used: 0, rejected: 0, bannedUntil: 0 }));
    if (bucket.bannedUntil > now) {
      throw binanceErrors.banned(bucket.bannedUntil, Math.ceil((bucket.bannedUntil - now) / 1000));
    }
    if (now - bucket.windowStart >= settings.windowMs) {
      bucket.windowStart = now;
      bucket.used = 0;
      bucket.rejected = 0;
    }
    const retryAfter = Math.max(1, Math.ceil((bucket.windowStart + settings.windowMs - now) / 1000));
    if (bucket.used + weight > settings.weightPerMinute) {
      bucket.rejected++;
      if (bucket.rejected > settings.banAfterRejected) {
        bucket.bannedUntil = now + settings.banSeconds * 1000;
        throw binanceErrors.banned(bucket.bannedUntil, settings.banSeconds);
      }
      throw binanceErrors.tooManyRequests(settings.weightPerMinute, retryAfter);
    }
    bucket.used += weight;
    return bucket.used;
  }

  used(key: string): number {
    return this.buckets.get(key)?.used ?? 0;
  }

  reset(): void {
    this.buckets.clear();
  }
}
