import { type Static, Type } from 'typebox';

/*
 * Every environment variable Switchboard reads, by its canonical name.
 * Strings arrive from the environment; `loadConfig` converts them to these
 * types and reports every variable that does not fit, all at once.
 */

const port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback });
const seconds = (fallback: number, minimum = 1) =>
  Type.Integer({ minimum, maximum: 31_536_000, default: fallback });
const millis = (fallback: number, minimum = 1) =>
  Type.Integer({ minimum, maximum: 3_600_000, default: fallback });
const perMinute = (fallback: number) => Type.Integer({ minimum: 1, maximum: 1_000_000, default: fallback });
const url = Type.String({ format: 'uri', pattern: '^https?://' });
const email = Type.String({ format: 'email', maxLength: 254 });
const secret = (minLength = 1) => Type.String({ minLength });
const opt = Type.Optional;

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PORT: port(8080),
  CHAT_PORT: port(8081),
  NOTIFICATIONS_PORT: port(8082),
  INTEGRATION_PORT: port(8083),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', default: 'sb' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  DATA_DIR: Type.String({ minLength: 1, default: '.data' }),
  SESSION_LOG_DIR: opt(Type.String({ minLength: 1 })),
  PUBLIC_URL: opt(url),
  CORS_ORIGINS: opt(Type.String()),
  TRUST_PROXY: opt(Type.String({ pattern: '^(true|false|[0-9]{1,2}|[0-9a-fA-F.:/,\\s]+)$' })),
  HEARTBEAT_TTL_S: seconds(15, 2),
  SHUTDOWN_GRACE_MS: millis(10_000, 100),
  RETRY_BASE_MS: millis(2_000),
  RETRY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  HTTP_TIMEOUT_MS: millis(15_000),

  JWT_SECRET: opt(secret(32)),
  ADMIN_API_KEY: opt(secret(24)),
  ADMIN_EMAIL: opt(email),
  ENCRYPTION_KEY: opt(Type.String({ pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$' })),
  LOGIN_MAX_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  LOGIN_BLOCK_S: seconds(60),
  RATE_LIMIT_PER_IP: perMinute(60),
  RATE_LIMIT_PER_USER: perMinute(30),
  RATE_LIMIT_PER_SESSION: perMinute(10),
  RATE_LIMIT_PER_CHANNEL: perMinute(20),

  LLM_PROVIDER: opt(Type.Enum(['openai', 'offline'])),
  OPENAI_API_KEY: opt(secret()),
  OPENAI_BASE_URL: opt(url),
  OPENAI_MODEL: Type.String({ minLength: 1, default: 'gpt-4o-mini' }),
  OPENAI_MODELS: opt(Type.String()),
  PAPITA_API_URL: opt(url),
  LLM_TIMEOUT_MS: millis(60_000),
  CHAT_DEADLINE_MS: millis(30_000),
  RECIPIENT_EMAIL: opt(email),

  SMTP_HOST: opt(Type.String({ minLength: 1 })),
  SMTP_PORT: port(587),
  SMTP_SECURE: Type.Boolean({ default: false }),
  SMTP_USER: opt(Type.String({ minLength: 1 })),
  SMTP_PASSWORD: opt(secret()),
  SMTP_FROM: opt(email),
  TEST_EMAIL: opt(email),
  EMAIL_RECIPIENTS: opt(Type.String()),
  GMAIL_CLIENT_ID: opt(Type.String({ minLength: 1 })),
  GMAIL_CLIENT_SECRET: opt(secret()),
  GMAIL_REDIRECT_URI: opt(url),

  SLACK_BOT_TOKEN: opt(secret()),
  SLACK_API_URL: Type.String({ format: 'uri', pattern: '^https?://', default: 'https://slack.com/api/' }),
  SLACK_SIGNING_SECRET: opt(secret()),
  SLACK_CLIENT_ID: opt(Type.String({ minLength: 1 })),
  SLACK_CLIENT_SECRET: opt(secret()),
  SLACK_REDIRECT_URI: opt(url),
  WEBHOOK_SECRET: opt(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' })),
  BREAKER_THRESHOLD: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  BREAKER_OPEN_S: seconds(60),
  FEEDBACK_EXPIRY_S: seconds(172_800, 10),
  SESSION_IDLE_TTL_S: seconds(86_400, 10),
  MAX_SESSIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),

  PORTAL_URL: opt(url),
  PORTAL_USERNAME: opt(Type.String({ minLength: 1 })),
  PORTAL_PASSWORD: opt(secret()),

  PC_API_KEY: opt(secret()),
  PC_URL: opt(url),
  PC_URL_TICKET: opt(url),
  PC_VERIFY_SSL: Type.Boolean({ default: true }),
  UTOPIA_API_KEY: opt(secret()),
  UTOPIA_URL_ENDPOINT: opt(url),
  CUSTOMER_PORTAL_PASSWORD: opt(secret()),
  CALLBACK_TOKEN: opt(secret(16)),
  CALLBACK_HMAC_SECRET: opt(secret(16)),
});
export type Env = Static<typeof EnvSchema>;
export type EnvName = keyof Env;

/**
 * The originals' other names for the same setting, read when the canonical
 * name is absent (SPEC §3: `SMTP_*` wins over the order product's `MAIL_*`).
 */
export const envAliases: Partial<Record<EnvName, readonly string[]>> = {
  JWT_SECRET: ['SECRET_KEY'],
  SMTP_HOST: ['MAIL_SERVER'],
  SMTP_PORT: ['MAIL_PORT'],
  SMTP_FROM: ['EMAIL_SENDER'],
};

/** Settings that only make sense together: any one set means all are needed. */
export const envGroups: readonly (readonly EnvName[])[] = [
  ['SMTP_USER', 'SMTP_PASSWORD'],
  ['GMAIL_CLIENT_ID', 'GMAIL_CLIENT_SECRET', 'GMAIL_REDIRECT_URI'],
  ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_REDIRECT_URI'],
  ['PORTAL_URL', 'PORTAL_USERNAME', 'PORTAL_PASSWORD'],
  ['PC_API_KEY', 'PC_URL'],
  ['UTOPIA_API_KEY', 'UTOPIA_URL_ENDPOINT'],
];

/** Variables whose values must never be shown, even in a config error. */
export const secretEnvNames: ReadonlySet<string> = new Set([
  'JWT_SECRET',
  'SECRET_KEY',
  'ADMIN_API_KEY',
  'ENCRYPTION_KEY',
  'OPENAI_API_KEY',
  'SMTP_PASSWORD',
  'GMAIL_CLIENT_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'PORTAL_PASSWORD',
  'PC_API_KEY',
  'UTOPIA_API_KEY',
  'CUSTOMER_PORTAL_PASSWORD',
  'CALLBACK_TOKEN',
  'CALLBACK_HMAC_SECRET',
  'REDIS_URL',
]);
