import { type Static, Type } from 'typebox';

/** 003's register body. Usernames: 3–50 of letters, digits, `_`, `.`, `-`. */
export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    username: Type.String({ minLength: 3, maxLength: 50, pattern: '^[A-Za-z0-9_.-]+$' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'alice@example.com', username: 'alice', password: 'correct horse 1' }],
  },
);
export type RegisterBody = Static<typeof RegisterBody>;

/** Login as the original (form `username`, `password`, OAuth2 extras ignored) or as JSON; username or email. */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    grant_type: Type.Optional(Type.String({ maxLength: 64 })),
    scope: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { examples: [{ username: 'alice', password: 'correct horse 1' }] },
);
export type LoginBody = Static<typeof LoginBody>;

export const TokenPair = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
});
export type TokenPair = Static<typeof TokenPair>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) });
export type RefreshBody = Static<typeof RefreshBody>;

export const MeBody = Type.Object({
  id: Type.String(),
  email: Type.String(),
  username: Type.String(),
  role: Type.Enum(['admin', 'user']),
  created_at: Type.String({ format: 'date-time' }),
  is_active: Type.Boolean({ description: "003's field; deleted users cannot authenticate, so always true." }),
});
export type MeBody = Static<typeof MeBody>;

export const ApiKeyScopeSchema = Type.Enum(['callbacks', 'ops', 'notify', 'read']);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(ApiKeyScopeSchema, { minItems: 1, maxItems: 4, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeySummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.String(),
});

export const CreatedApiKey = Type.Object({
  key: Type.String({ description: 'Shown once; store it now.' }),
  api_key: ApiKeySummary,
});

export const ApiKeyList = Type.Object({ api_keys: Type.Array(ApiKeySummary) });
