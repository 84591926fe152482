import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { type Env, type EnvName, EnvSchema, envAliases, envGroups, secretEnvNames } from './config-schema.js';

export type { Env, EnvName } from './config-schema.js';

/** Raised with every problem found, so one start tells the operator everything. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  host: string;
  ports: { gateway: number; chat: number; notifications: number; integration: number };
  redis: { url: string; prefix: string };
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  /** Where 002's daily session log files go (`session_YYYY-MM-DD.log`). */
  sessionLogDir: string;
  publicUrl: string;
  corsOrigins: string[];
  /** Fastify's `trustProxy`: whether (or which hops) may set X-Forwarded-For, so limits see real client IPs. */
  trustProxy: boolean | number | string[];
  heartbeatTtlS: number;
  shutdownGraceMs: number;
  retry: { baseMs: number; maxAttempts: number };
  httpTimeoutMs: number;
  auth: {
    jwtSecret?: string;
    adminApiKey?: string;
    adminEmail?: string;
    encryptionKey?: string;
    loginMaxFailures: number;
    loginBlockS: number;
  };
  rateLimits: { perIp: number; perUser: number; perSession: number; perChannel: number };
  llm: {
    provider: 'openai' | 'offline';
    openaiApiKey?: string;
    baseUrl?: string;
    model: string;
    /** The models a chat request may name (002's `model`); the default model is always one. */
    allowedModels: string[];
    credentialUrl?: string;
    timeoutMs: number;
    chatDeadlineMs: number;
  };
  recipientEmail?: string;
  smtp: { host?: string; port: number; secure: boolean; user?: string; password?: string; from?: string };
  testEmail?: string;
  emailRecipients: string[];
  gmail: { clientId?: string; clientSecret?: string; redirectUri?: string };
  slack: {
    botToken?: string;
    apiUrl: string;
    signingSecret?: string;
    clientId?: string;
    clientSecret?: string;
    redirectUri?: string;
  };
  webhookSecret?: string;
  breaker: { threshold: number; openS: number };
  feedbackExpiryS: number;
  sessions: { idleTtlS: number; maxPerUser: number };
  portal: { url?: string; username?: string; password?: string };
  powercode: { apiKey?: string; url?: string; ticketUrl?: string; verifySsl: boolean };
  utopia: { apiKey?: string; url?: string };
  customerPortalPassword?: string;
  callback: { token?: string; hmacSecret?: string };
}

const envValidator = Compile(EnvSchema);
const booleanWords: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  on: true,
  false: false,
  '0': false,
  no: false,
  off: false,
};
const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The value a variable was given, under its own name or an original's alias. */
function readRaw(
  env: Record<string, string | undefined>,
  name: EnvName,
): { from: string; value: string } | undefined {
  for (const candidate of [name, ...(envAliases[name] ?? [])]) {
    const value = env[candidate]?.trim();
    if (value !== undefined && value !== '') return { from: candidate, value };
  }
  return undefined;
}

function shown(name: string, value: unknown): string {
  return secretEnvNames.has(name) ? '(hidden)' : JSON.stringify(value);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^[0-9]+$/.test(value)) return Number(value);
  return splitList(value);
}

/**
 * Reads, converts and checks the environment. Pure: the same input gives the
 * same output and nothing else is touched. Throws one ConfigError naming every
 * missing or bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const sourceOf = new Map<string, string>();
  const raw: Record<string, unknown> = {};
  const properties = EnvSchema.properties as Record<EnvName, { type?: string }>;

  for (const name of Object.keys(properties) as EnvName[]) {
    const found = readRaw(env, name);
    if (!found) continue;
    sourceOf.set(name, found.from);
    if (properties[name].type === 'boolean') {
      const word = booleanWords[found.value.toLowerCase()];
      if (word === undefined)
        problems.push(`${found.from}: must be true or false, got ${shown(found.from, found.value)}`);
      else raw[name] = word;
    } else {
      raw[name] = found.value;
    }
  }

  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw)) as Record<string, unknown>;
  for (const error of envValidator.Errors(converted)) {
    const name = error.instancePath.split('/')[1] ?? '';
    if (problems.some((problem) => problem.startsWith(`${sourceOf.get(name) ?? name}:`))) continue;
    const from = sourceOf.get(name) ?? name;
    problems.push(`${from}: ${error.message}, got ${shown(from, raw[name])}`);
  }

  for (const group of envGroups) {
    const present = group.filter((name) => raw[name] !== undefined);
    if (present.length > 0 && present.length < group.length) {
      const missing = group.filter((name) => raw[name] === undefined);
      problems.push(
        `${missing.join(', ')}: missing (needed because ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set)`,
      );
    }
  }

  const e = converted as Env;
  const corsOrigins = splitList(e.CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://app.example.com or *`,
      );
    }
  }
  const emailRecipients = splitList(e.EMAIL_RECIPIENTS);
  for (const address of emailRecipients) {
    if (!emailShape.test(address))
      problems.push(`EMAIL_RECIPIENTS: ${JSON.stringify(address)} is not an email address`);
  }
  if (e.LLM_PROVIDER === 'openai' && !e.OPENAI_API_KEY && !e.PAPITA_API_URL) {
    problems.push(
      'OPENAI_API_KEY: missing (needed because LLM_PROVIDER is openai and PAPITA_API_URL is not set)',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    ports: {
      gateway: e.PORT,
      chat: e.CHAT_PORT,
      notifications: e.NOTIFICATIONS_PORT,
      integration: e.INTEGRATION_PORT,
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    sessionLogDir: e.SESSION_LOG_DIR ?? join(e.DATA_DIR, 'session-log'),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    corsOrigins,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    heartbeatTtlS: e.HEARTBEAT_TTL_S,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    retry: { baseMs: e.RETRY_BASE_MS, maxAttempts: e.RETRY_MAX_ATTEMPTS },
    httpTimeoutMs: e.HTTP_TIMEOUT_MS,
    auth: {
      jwtSecret: e.JWT_SECRET,
      adminApiKey: e.ADMIN_API_KEY,
      adminEmail: e.ADMIN_EMAIL?.toLowerCase(),
      encryptionKey: e.ENCRYPTION_KEY,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginBlockS: e.LOGIN_BLOCK_S,
    },
    rateLimits: {
      perIp: e.RATE_LIMIT_PER_IP,
      perUser: e.RATE_LIMIT_PER_USER,
      perSession: e.RATE_LIMIT_PER_SESSION,
      perChannel: e.RATE_LIMIT_PER_CHANNEL,
    },
    llm: {
      provider: e.LLM_PROVIDER ?? (e.OPENAI_API_KEY || e.PAPITA_API_URL ? 'openai' : 'offline'),
      openaiApiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      allowedModels: [...new Set([e.OPENAI_MODEL, ...splitList(e.OPENAI_MODELS)])],
      credentialUrl: e.PAPITA_API_URL,
      timeoutMs: e.LLM_TIMEOUT_MS,
      chatDeadlineMs: e.CHAT_DEADLINE_MS,
    },
    recipientEmail: e.RECIPIENT_EMAIL,
    smtp: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      secure: e.SMTP_SECURE,
      user: e.SMTP_USER,
      password: e.SMTP_PASSWORD,
      from: e.SMTP_FROM,
    },
    testEmail: e.TEST_EMAIL,
    emailRecipients,
    gmail: {
      clientId: e.GMAIL_CLIENT_ID,
      clientSecret: e.GMAIL_CLIENT_SECRET,
      redirectUri: e.GMAIL_REDIRECT_URI,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      signingSecret: e.SLACK_SIGNING_SECRET,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      redirectUri: e.SLACK_REDIRECT_URI,
    },
    webhookSecret: e.WEBHOOK_SECRET,
    breaker: { threshold: e.BREAKER_THRESHOLD, openS: e.BREAKER_OPEN_S },
    feedbackExpiryS: e.FEEDBACK_EXPIRY_S,
    sessions: { idleTtlS: e.SESSION_IDLE_TTL_S, maxPerUser: e.MAX_SESSIONS_PER_USER },
    portal: { url: e.PORTAL_URL, username: e.PORTAL_USERNAME, password: e.PORTAL_PASSWORD },
    powercode: {
      apiKey: e.PC_API_KEY,
      url: e.PC_URL,
      ticketUrl: e.PC_URL_TICKET,
      verifySsl: e.PC_VERIFY_SSL,
    },
    utopia: { apiKey: e.UTOPIA_API_KEY, url: e.UTOPIA_URL_ENDPOINT },
    customerPortalPassword: e.CUSTOMER_PORTAL_PASSWORD,
    callback: { token: e.CALLBACK_TOKEN, hmacSecret: e.CALLBACK_HMAC_SECRET },
  };
}

/** Which optional integrations are configured, for `/status`. Never values. */
export function configStatus(config: Config): Record<string, boolean> {
  return {
    smtp: config.smtp.host !== undefined,
    gmail: config.gmail.clientId !== undefined,
    slack: config.slack.botToken !== undefined,
    slack_signing: config.slack.signingSecret !== undefined,
    webhook_signing: config.webhookSecret !== undefined,
    openai: config.llm.provider === 'openai',
    portal: config.portal.url !== undefined,
    powercode: config.powercode.url !== undefined,
    utopia: config.utopia.url !== undefined,
    callback_token: config.callback.token !== undefined,
    test_email: config.testEmail !== undefined,
  };
}
