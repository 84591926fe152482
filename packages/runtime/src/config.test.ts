import { describe, expect, it } from 'vitest';
import { ConfigError, configStatus, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts with nothing set: every feature off, embedded defaults', () => {
    const config = loadConfig({});
    expect(config.ports).toEqual({ gateway: 8080, chat: 8081, notifications: 8082, integration: 8083 });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'sb' });
    expect(config.llm.provider).toBe('offline');
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.rateLimits).toEqual({ perIp: 60, perUser: 30, perSession: 10, perChannel: 20 });
    expect(config.retry).toEqual({ baseMs: 2000, maxAttempts: 8 });
    expect(config.feedbackExpiryS).toBe(172_800);
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(Object.values(configStatus(config)).every((on) => on === false)).toBe(true);
  });

  it('lists every bad and missing variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      CHAT_PORT: '70000',
      REDIS_URL: 'http://not-redis',
      LOG_LEVEL: 'loud',
      SMTP_SECURE: 'maybe',
      TEST_EMAIL: 'not-an-email',
      GMAIL_CLIENT_ID: 'id-only',
      WEBHOOK_SECRET: 'plain',
      CORS_ORIGINS: 'https://ok.example.com, not an origin',
      EMAIL_RECIPIENTS: 'a@example.com,broken',
      HEARTBEAT_TTL_S: '0',
    });
    const named = (name: string) => problems.filter((problem) => problem.startsWith(`${name}`));
    for (const name of [
      'PORT',
      'CHAT_PORT',
      'REDIS_URL',
      'LOG_LEVEL',
      'SMTP_SECURE',
      'TEST_EMAIL',
      'WEBHOOK_SECRET',
      'CORS_ORIGINS',
      'EMAIL_RECIPIENTS',
      'HEARTBEAT_TTL_S',
    ]) {
      expect(named(name), `${name} in ${problems.join(' | ')}`).toHaveLength(1);
    }
    expect(
      problems.some((problem) => problem.startsWith('GMAIL_CLIENT_SECRET, GMAIL_REDIRECT_URI: missing')),
    ).toBe(true);
    expect(problems).toHaveLength(11);
  });

  it('names every problem in the message, without showing secret values', () => {
    try {
      loadConfig({ JWT_SECRET: 'short-secret-value', PORT: 'x' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('2 problems');
      expect(message).toContain('JWT_SECRET');
      expect(message).toContain('PORT');
      expect(message).not.toContain('short-secret-value');
    }
  });

  it("maps the originals' variable names", () => {
    const config = loadConfig({
      SECRET_KEY: 'k'.repeat(40),
      MAIL_SERVER: 'mail.example.net',
      MAIL_PORT: '25',
      EMAIL_SENDER: 'no-reply@example.net',
      EMAIL_RECIPIENTS: 'ops@example.net, billing@example.net',
      PC_API_KEY: 'pc-key',
      PC_URL: 'https://powercode.example.net',
      PC_URL_TICKET: 'https://powercode.example.net:444/api/1/index.php',
      PC_VERIFY_SSL: 'false',
      UTOPIA_API_KEY: 'utopia-key',
      UTOPIA_URL_ENDPOINT: 'https://api.utopia.example',
      PORTAL_URL: 'https://portal.example.com',
      PORTAL_USERNAME: 'me',
      PORTAL_PASSWORD: 'pw',
      PAPITA_API_URL: 'http://localhost:3000',
      TEST_EMAIL: 'test@example.com',
    });
    expect(config.auth.jwtSecret).toBe('k'.repeat(40));
    expect(config.smtp).toMatchObject({ host: 'mail.example.net', port: 25, from: 'no-reply@example.net' });
    expect(config.emailRecipients).toEqual(['ops@example.net', 'billing@example.net']);
    expect(config.powercode).toEqual({
      apiKey: 'pc-key',
      url: 'https://powercode.example.net',
      ticketUrl: 'https://powercode.example.net:444/api/1/index.php',
      verifySsl: false,
    });
    expect(config.utopia.url).toBe('https://api.utopia.example');
    expect(config.llm).toMatchObject({ provider: 'openai', credentialUrl: 'http://localhost:3000' });
    expect(configStatus(config)).toMatchObject({
      smtp: true,
      portal: true,
      powercode: true,
      utopia: true,
      openai: true,
    });
  });

  it('lets SMTP_* win over the order product MAIL_* names', () => {
    const config = loadConfig({
      SMTP_HOST: 'smtp.example.com',
      MAIL_SERVER: 'mail.example.net',
      SMTP_PORT: '465',
      MAIL_PORT: '25',
    });
    expect(config.smtp.host).toBe('smtp.example.com');
    expect(config.smtp.port).toBe(465);
  });

  it('names the alias the operator actually set when it is wrong', () => {
    expect(problemsOf({ MAIL_PORT: 'twenty-five' })).toEqual([expect.stringMatching(/^MAIL_PORT: /)]);
  });

  it('treats empty values as unset and accepts common boolean words', () => {
    const config = loadConfig({ PORT: '', SMTP_SECURE: 'yes', PC_VERIFY_SSL: '0' });
    expect(config.ports.gateway).toBe(8080);
    expect(config.smtp.secure).toBe(true);
    expect(config.powercode.verifySsl).toBe(false);
  });

  it('reads TRUST_PROXY as off, on, a hop count or a list of proxies', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(problemsOf({ TRUST_PROXY: 'everyone!' })).toEqual([expect.stringMatching(/^TRUST_PROXY: /)]);
  });

  it('needs a key or a credential endpoint when the openai provider is forced', () => {
    expect(problemsOf({ LLM_PROVIDER: 'openai' })).toEqual([
      expect.stringMatching(/^OPENAI_API_KEY: missing/),
    ]);
  });

  it('is pure: the same input gives the same output and the input is untouched', () => {
    const env = { PORT: '9000', CORS_ORIGINS: 'https://a.example.com' };
    const copy = { ...env };
    expect(loadConfig(env)).toEqual(loadConfig(env));
    expect(env).toEqual(copy);
  });
});
