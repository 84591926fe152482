import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import type { Config } from '@switchboard/runtime/config';
import type { HttpServer } from '@switchboard/runtime/http-server';
import fp from 'fastify-plugin';
import { corsOptionsFor } from './cors-options.js';

export interface HttpHygienePluginOptions {
  config: Pick<Config, 'corsOrigins'>;
}

/**
 * Upload limits (SPEC: contact spreadsheets up to 16 MB, one file per
 * request). JSON and form bodies keep the server's 1 MB limit.
 */
export const uploadLimits = { fileSize: 16 * 1024 * 1024, files: 1, fields: 20, parts: 30 };

/**
 * What every response and every body goes through: security headers, CORS
 * as configured, JSON where an empty body counts as none, and the body types
 * routes accept besides JSON (form-encoded,
 * as the original login posts it, and multipart uploads). Any other
 * `Content-Type` on a body is refused with 415.
 */
export const httpHygienePlugin = fp(
  async (app: HttpServer, { config }: HttpHygienePluginOptions) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        // The gateway is often reached over plain HTTP (localhost, a LAN address, behind a
        // TLS proxy); upgrading its pages' requests to https would break them there.
        directives: { 'upgrade-insecure-requests': null },
      },
    });

    const corsOptions = corsOptionsFor(config.corsOrigins);
    if (corsOptions) {
      // @fastify/cors answers preflights in its onRequest hook, before any credential is
      // looked at (browsers send none); its catch-all OPTIONS route only lets them through.
      app.addHook('onRoute', (route) => {
        if (route.method === 'OPTIONS' && route.url === '*')
          route.config = { ...route.config, policy: 'open' };
      });
      await app.register(cors, corsOptions);
    }

    // Fastify parses text/plain by default; no Switchboard route takes raw text, and a
    // string where a route expects an object would only surface as a confusing 400.
    app.removeContentTypeParser('text/plain');

    // Fetch wrappers often send `Content-Type: application/json` on a POST without a body
    // (`POST /api/sessions`, an export). An empty or blank body is no body, so routes whose
    // body is optional answer as without the header, and routes that need one still refuse
    // it through their schema (400 SB_VALIDATION). Anything else goes to Fastify's own parser,
    // which refuses `__proto__` and `constructor.prototype` keys.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
      if (body.trim() === '') {
        done(null, undefined);
        return;
      }
      parseJson(request, body, done);
    });
    await app.register(formbody);
    await app.register(multipart, { limits: uploadLimits });
  },
  { name: 'switchboard-http-hygiene', fastify: '5.x' },
);
