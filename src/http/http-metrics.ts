import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VenueHealth } from '../execution/venue-port.ts';

const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The process's Prometheus metrics (one registry per app, so test apps do not collide). */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly orders = new Counter({
    name: 'fillgate_orders_total',
    help: 'Order attempts through the API by source, outcome and reason code.',
    labelNames: ['source', 'status', 'reason'] as const,
    registers: [this.registry],
  });
  readonly orderLatency = new Histogram({
    name: 'fillgate_order_execution_seconds',
    help: 'Time from intent to execution result (preflight, risk, venue, persistence).',
    labelNames: ['status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly requestLatency = new Histogram({
    name: 'fillgate_http_request_duration_seconds',
    help: 'HTTP request latency by route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly venueErrors = new Counter({
    name: 'fillgate_venue_errors_total',
    help: 'Submits a venue did not accept, by venue and class (definitely_rejected, retryable, outcome_unknown).',
    labelNames: ['venue', 'class'] as const,
    registers: [this.registry],
  });

  constructor(streamClients: () => number, venueHealth: () => readonly VenueHealth[] = () => []) {
    new Gauge({
      name: 'fillgate_venue_circuit_breaker_state',
      help: 'Circuit breaker state per venue: 0 closed, 1 half-open, 2 open.',
      labelNames: ['venue'] as const,
      registers: [this.registry],
      collect() {
        // Read at scrape time: venues come and go with exchange accounts, so stale series are dropped.
        this.reset();
        for (const health of venueHealth()) {
          if (health.breaker) this.set({ venue: health.venue }, BREAKER_STATE[health.breaker]);
        }
      },
    });
    new Gauge({
      name: 'fillgate_websocket_clients',
      help: 'Connected WebSocket stream clients.',
      registers: [this.registry],
      collect() {
        this.set(streamClients());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'fillgate_' });
  }
}
