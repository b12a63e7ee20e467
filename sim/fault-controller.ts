import { SeededRandom } from '../src/venues/market-data/seeded-random.ts';

/**
 * Which requests a fault applies to: `'*'` (default) or endpoint keys such as `'POST /api/v3/order'`, or
 * just a path (`'/fapi/v1/order'`, any method).
 */
export type EndpointMatcher = '*' | readonly string[];

interface CountedFault {
  /** Probability per matching request, 0..1. Default 1. */
  readonly rate?: number;
  /** Fires at most this many times, then stays quiet (a "next request fails" switch). Default unlimited. */
  readonly times?: number;
  readonly endpoints?: EndpointMatcher;
}

export interface ErrorFault extends CountedFault {
  /** HTTP status; default 503. 504 answers a bare gateway page, as a load balancer would. */
  readonly status?: number;
  /** Binance error code of the JSON body; default -1001 for 5xx. */
  readonly code?: number;
  readonly msg?: string;
}

/** The venue accepted the order (or maybe not), then said it does not know. */
export interface UnknownExecutionFault extends CountedFault {
  /** Whether the order really reached the matching engine: always, never, or a coin flip. Default 'yes'. */
  readonly placed?: 'yes' | 'no' | 'random';
}

export interface RateLimitSettings {
  /** Request weight allowed per window; Binance spot and USD-M: 1200 (spot today 6000). */
  readonly weightPerMinute?: number;
  /** Window length; a minute on Binance, shorter in tests. */
  readonly windowMs?: number;
  /** Requests still sent while limited (after the first 429) before the IP is banned with 418. */
  readonly banAfterRejected?: number;
  /** Length of a 418 ban. Binance starts at 2 minutes and escalates. */
  readonly banSeconds?: number;
}

export interface WebSocketFaults {
  /** Probability that a pushed event is sent twice. */
  readonly duplicateRate?: number;
  /** Probability that an earlier event of the same stream is re-sent after the current one. */
  readonly staleRate?: number;
}

export interface FaultSettings {
  /** Seed of every random decision; the same seed and requests give the same faults. */
  readonly seed?: number | string;
  /** Added before a request is processed (a fixed delay or a uniform range). */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
  readonly errors?: readonly ErrorFault[];
  readonly rateLimit?: RateLimitSettings;
  /** The socket is destroyed before the request is processed: the order was definitely not placed. */
  readonly connectionReset?: CountedFault;
  /** Order requests are processed, then the socket is destroyed without an answer. */
  readonly acceptThenDrop?: CountedFault;
  /** Order requests answer -1007 "execution status unknown". */
  readonly unknownExecution?: UnknownExecutionFault;
  readonly ws?: WebSocketFaults;
}

export type StreamKind = 'market' | 'user' | 'all';

const ORDER_ENDPOINTS = [
  'POST /api/v3/order',
  'POST /fapi/v1/order',
  'POST /fapi/v1/algoOrder',
  'DELETE /api/v3/order',
  'DELETE /fapi/v1/order',
  'DELETE /fapi/v1/algoOrder',
];

/**
 * Injected failures, switched on and off at run time by tests (`faults.set`) or over
 * `POST /__admin/faults`. Every random decision comes from one seeded generator, so a run with a seed is
 * reproducible; `times` makes a fault fire a fixed number of times for tests that need certainty.
 */
export class FaultController {
  private settings: FaultSettings = {};
  private random = new SeededRandom(1);
  private readonly fired = new Map<string, number>();
  private readonly disconnectListeners = new Set<(kind: StreamKind) => void>();

  /** Replaces every setting (what is not named is off). */
  set(settings: FaultSettings): void {
    this.settings = settings;
    this.random = new SeededRandom(settings.seed ?? 1);
    this.fired.clear();
  }

  /** Changes some settings, keeping the others. */
  update(settings: FaultSettings): void {
    this.set({ ...this.settings, ...settings });
  }

  clear(): void {
    this.set({});
  }

  current(): FaultSettings {
    return this.settings;
  }

  latencyMs(): number {
    const latency = this.settings.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return latency.min + this.random.next() * (latency.max - latency.min);
  }

  rateLimit(): RateLimitSettings | undefined {
    return this.settings.rateLimit;
  }

  /** The error to answer instead of processing the request, if one fires. */
  error(endpoint: string): ErrorFault | undefined {
    const errors = this.settings.errors ?? [];
    for (const [index, fault] of errors.entries()) {
      if (this.fires(`errors.${index}`, fault, endpoint, '*')) return fault;
    }
    return undefined;
  }

  connectionReset(endpoint: string): boolean {
    return this.fires('connectionReset', this.settings.connectionReset, endpoint, '*');
  }

  acceptThenDrop(endpoint: string): boolean {
    return this.fires('acceptThenDrop', this.settings.acceptThenDrop, endpoint, ORDER_ENDPOINTS);
  }

  /** Undefined when no unknown-execution fault fires; otherwise whether to really place the order. */
  unknownExecution(endpoint: string): { readonly place: boolean } | undefined {
    const fault = this.settings.unknownExecution;
    if (!this.fires('unknownExecution', fault, endpoint, ORDER_ENDPOINTS)) return undefined;
    const placed = fault?.placed ?? 'yes';
    return { place: placed === 'yes' || (placed === 'random' && this.random.chance(0.5)) };
  }

  duplicateWsEvent(): boolean {
    const rate = this.settings.ws?.duplicateRate ?? 0;
    return rate > 0 && this.random.chance(rate);
  }

  staleWsEvent(): boolean {
    const rate = this.settings.ws?.staleRate ?? 0;
    return rate > 0 && this.random.chance(rate);
  }

  /** Drops WebSocket connections now (the client sees an abnormal close, as on a network cut). */
  disconnectStreams(kind: StreamKind = 'all'): void {
    for (const listener of [...this.disconnectListeners]) listener(kind);
  }

  onDisconnect(listener: (kind: StreamKind) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => {
      this.disconnectListeners.delete(listener);
    };
  }

  private fires(
    key: string,
    fault: CountedFault | undefined,
    endpoint: string,
    defaultEndpoints: EndpointMatcher,
  ): boolean {
    if (!fault) return false;
    if (!matches(fault.endpoints ?? defaultEndpoints, endpoint)) return false;
    const count = this.fired.get(key) ?? 0;
    if (fault.times !== undefined && count >= fault.times) return false;
    const rate = fault.rate ?? 1;
    if (!(rate >= 1 || (rate > 0 && this.random.chance(rate)))) return false;
    this.fired.set(key, count + 1);
    return true;
  }
}

function matches(matcher: EndpointMatcher, endpoint: string): boolean {
  if (matcher === '*') return true;
  const path = endpoint.slice(endpoint.indexOf(' ') + 1);
  return matcher.some((entry) => entry === '*' || entry === endpoint || entry === path);
}
