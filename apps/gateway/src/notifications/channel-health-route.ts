import { ChannelNameSchema } from '@switchboard/contracts/notifications';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import { Type } from 'typebox';

const ChannelHealthBody = Type.Object({
  channels: Type.Array(
    Type.Object({
      channel: ChannelNameSchema,
      configured: Type.Boolean({ description: 'The notifications service has this channel set up.' }),
      state: Type.Enum(['closed', 'open', 'half_open'], {
        description: 'Circuit breaker: `open` skips the channel; `half_open` lets one probe through.',
      }),
      success_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
        description: 'Over the last 200 sends.',
      }),
      p50_ms: Type.Union([Type.Number(), Type.Null()]),
      p95_ms: Type.Union([Type.Number(), Type.Null()]),
      last_error: Type.Union([Type.String(), Type.Null()]),
      last_error_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      consecutive_failures: Type.Integer({ minimum: 0 }),
      successes: Type.Integer({ minimum: 0 }),
      failures: Type.Integer({ minimum: 0 }),
    }),
  ),
});

/** `GET /api/channels`: each channel's circuit and recent record, shared by every instance. */
export function registerChannelHealthRoute(app: HttpServer, service: ServiceBase): void {
  const breakers = new CircuitBreakerStore(service.redis, service.keys, {
    threshold: service.config.breaker.threshold,
    openMs: service.config.breaker.openS * 1000,
  });
  app.get(
    '/api/channels',
    {
      schema: {
        tags: ['channels'],
        summary: 'Health of every channel: circuit state, success rate, p50/p95 latency, last error',
        response: { 200: ChannelHealthBody },
      },
      config: { policy: 'user' },
    },
    async () => ({ channels: await breakers.healthOfAll() }),
  );
}
