import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One Prometheus registry per service, with the metrics every service shares. */
export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  jobs: Counter<'queue' | 'job' | 'outcome'>;
  jobDuration: Histogram<'queue' | 'job'>;
  events: Counter<'topic' | 'direction'>;
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'sb_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'sb_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'sb_http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'sb_jobs_total',
      help: 'Queue jobs processed, by outcome (completed, failed, rejected).',
      labelNames: ['queue', 'job', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'sb_job_duration_seconds',
      help: 'Time a worker spent on one job attempt.',
      labelNames: ['queue', 'job'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    events: new Counter({
      name: 'sb_pubsub_events_total',
      help: 'Pub/sub events published or received.',
      labelNames: ['topic', 'direction'],
      registers: [registry],
    }),
  };
}
