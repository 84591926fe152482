import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '@switchboard/contracts/auth';
import { AppError } from '@switchboard/runtime/app-error';
import type { ApiKeyStore } from '@switchboard/stores/api-keys';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** Scoped API keys for machines (Utopia callbacks, ops scripts, notifiers), managed by admins. */
export function registerApiKeyRoutes(fastify: FastifyInstance, apiKeys: ApiKeyStore): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a scoped API key (shown once)',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey },
      },
      config: { policy: 'admin' },
    },
    async (request, reply) => {
      const principal = request.principal;
      const createdBy =
        principal.kind === 'user'
          ? `user:${principal.userId}`
          : principal.kind === 'api_key'
            ? `key:${principal.keyId}`
            : 'unknown';
      const { key, record } = await apiKeys.create({
        name: request.body.name,
        scopes: request.body.scopes,
        createdBy,
      });
      return reply.status(201).send({ key, api_key: record });
    },
  );

  app.get(
    '/api/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never their secrets)',
        response: { 200: ApiKeyList },
      },
      config: { policy: 'admin' },
    },
    async () => ({ api_keys: await apiKeys.list() }),
  );

  app.delete(
    '/api/admin/api-keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$' }) }),
        response: { 204: Type.Null() },
      },
      config: { policy: 'admin' },
    },
    async (request, reply) => {
      if (!(await apiKeys.revoke(request.params.id)))
        throw new AppError('SB_NOT_FOUND', `API key ${request.params.id} not found.`);
      return reply.status(204).send(null);
    },
  );
}
