import { createHash } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { queues } from '@switchboard/contracts/queues';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { QueueProducer } from '@switchboard/runtime/queue-producer';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import { checkSlackSignature, slackSignatureWindowS } from './slack-signature.js';

/*
 * Keys (gateway only)
 *   {sb}:slack-seen:<sha256 of the signature>   STRING "1"; EX = 5 min (the signature window): a signature
 *                                               seen again within its window is a replay. SET NX: atomic.
 */

export interface SlackInteractivityDeps {
  signingSecret: string | undefined;
  redis: Redis;
  keys: RedisKeys;
  notifications: QueueProducer<typeof queues.notifications>;
}

const maxPayloadLength = 100_000;

/**
 * `POST /api/channels/slack/interactivity` and 003's `POST /interactions`
 * (SPEC §4 "Slack"): button clicks and inputs from Slack. The signature is
 * checked over the raw form body; the work is queued and Slack gets its 200
 * at once (it gives up after 3 s). The `slack_interaction` job does the rest.
 */
export async function registerSlackInteractivityRoutes(
  app: HttpServer,
  deps: SlackInteractivityDeps,
): Promise<void> {
  // Scoped to these routes: the raw body is what Slack signed, so no parser may touch it first.
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );

    for (const url of ['/api/channels/slack/interactivity', '/interactions']) {
      scope.post(
        url,
        {
          schema: {
            tags: ['channels'],
            summary: 'Slack interactivity (signed by Slack): answers from buttons and inputs',
            description:
              'Form-encoded `payload=<json>`, signed with `X-Slack-Signature` and `X-Slack-Request-Timestamp` ' +
              '(Slack v0). A bad or missing signature, a timestamp outside ±5 minutes or a replay → 401.',
            headers: Type.Object({
              'x-slack-signature': Type.Optional(Type.String({ maxLength: 200 })),
              'x-slack-request-timestamp': Type.Optional(Type.String({ maxLength: 20 })),
            }),
            response: {
              // An empty body: Slack shows a reply's body to the user for some interactions.
              200: { description: 'Acknowledged (empty body); the action is processed in the background.' },
              503: {
                description: 'Slack is not configured (no signing secret), or the queue is unavailable.',
                $ref: 'ErrorBody#',
              },
            },
          },
          config: { policy: 'signed' },
        },
        async (request, reply) => {
          if (deps.signingSecret === undefined) {
            throw new AppError(
              'SB_UNAVAILABLE',
              'Slack is not configured here (SLACK_SIGNING_SECRET is not set).',
            );
          }
          const rawBody = typeof request.body === 'string' ? request.body : '';
          const signature = request.headers['x-slack-signature'];
          const check = checkSlackSignature(deps.signingSecret, {
            timestamp: request.headers['x-slack-request-timestamp'],
            signature,
            rawBody,
          });
          if (!check.ok) throw new AppError('SB_BAD_SIGNATURE', check.reason);
          const digest = createHash('sha256')
            .update(signature ?? '')
            .digest('hex');
          const seenKey = deps.keys.key('slack-seen', digest);
          const first = await deps.redis.set(seenKey, '1', 'EX', slackSignatureWindowS, 'NX');
          if (first !== 'OK')
            throw new AppError('SB_BAD_SIGNATURE', 'This Slack request was already received.');

          const payload = new URLSearchParams(rawBody).get('payload');
          if (payload === null || payload.length < 2 || payload.length > maxPayloadLength) {
            throw new AppError('SB_VALIDATION', 'A Slack interaction carries a `payload` form field.');
          }
          try {
            await deps.notifications.add(
              'slack_interaction',
              { payload },
              { requestId: request.id, jobId: `slack-${digest.slice(0, 32)}` },
            );
          } catch (error) {
            request.log.warn({ err: error }, 'could not queue a Slack interaction');
            // Not processed, so not a replay when Slack sends it again.
            await deps.redis.del(seenKey).catch(() => undefined);
            throw new AppError('SB_UNAVAILABLE', 'The interaction could not be queued; Slack will retry.');
          }
          return reply.status(200).send();
        },
      );
    }
  });
}
