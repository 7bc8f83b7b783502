import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one node; a registry per app instance (no global registry). */
export interface Metrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status code.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'gatehouse_http_server_errors_total',
    help: 'Responses with a 5xx status.',
    labelNames: ['route'],
    registers: [registry],
  });
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      duration.observe({ route, method, status: String(status) }, seconds);
      if (status >= 500) errors.inc({ route });
    },
  };
}
