import autocannon from 'autocannon';
import { type Measurement, measurementOf } from './measurement.js';

export interface HttpLoad {
  /** The gateway's address. */
  url: string;
  connections: number;
  durationS: number;
  /** Method, path, headers and body; `setupRequest`/`onResponse` for per-request state. */
  request: autocannon.Request;
}

/**
 * Keeps `connections` requests in flight for `durationS` with autocannon (each
 * connection sends its next request when the previous one is answered).
 */
export async function measureHttp(load: HttpLoad): Promise<Measurement> {
  // autocannon's own latency histogram keeps whole milliseconds, too coarse
  // for the baseline; each response event carries the exact duration.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        connections: load.connections,
        duration: load.durationS,
        requests: [load.request],
        // A turn waits for its reply; the gateway's own deadline is 30 s.
        timeout: 35,
      },
      (error: unknown, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const measured = measurementOf(latencies, result.non2xx + result.errors, result.duration);
  return { ...measured, completed: result['2xx'], perSecond: result['2xx'] / result.duration };
}
