import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(streamClients: () => number) {
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
