import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server.js';

describe('startFakeHttpServer', () => {
  let fake: FakeHttpServer;
  beforeAll(async () => {
    fake = await startFakeHttpServer({
      'POST /api/thing': (request) => ({ status: 201, body: { got: request.json() } }),
    });
  });
  afterAll(() => fake.close());

  it('answers scripted routes over a real socket and records the request', async () => {
    const response = await fetch(`${fake.url}/api/thing?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-key': 'k' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ got: { a: 1 } });
    const recorded = fake.requests.at(-1)!;
    expect(recorded.query.get('x')).toBe('1');
    expect(recorded.headers['x-key']).toBe('k');
  });

  it('answers 404 for unknown routes and can be re-scripted to fail', async () => {
    expect((await fetch(`${fake.url}/nope`)).status).toBe(404);
    fake.on('GET', '/flaky', () => ({ status: 503, body: 'down' }));
    const response = await fetch(`${fake.url}/flaky`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('down');
  });

  it('can hang up without answering', async () => {
    fake.on('GET', '/hangup', () => ({ hangUp: true }));
    await expect(fetch(`${fake.url}/hangup`)).rejects.toThrow();
  });
});
