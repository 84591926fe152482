import { createHash, randomUUID } from 'node:crypto';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:user:<id>               HASH    id, email, username, password_hash, role, created_at
 *   {sb}:user-email:<sha256>     STRING  user id; by SHA-256 of the lower-cased email (unique, case-insensitive;
 *                                        hashed so any string a caller types is a safe key part)
 *   {sb}:user-name:<sha256>      STRING  user id; by SHA-256 of the lower-cased username
 *   {sb}:users                   SET     every user id (its size decides who is first)
 * Atomicity: registration checks both names, picks the role and writes all four keys in one Lua script,
 * so two concurrent registrations can neither share a name nor both become the first (admin) user.
 */

export type UserRole = 'admin' | 'user';

export interface UserRecord {
  id: string;
  email: string;
  username: string;
  password_hash: string;
  role: UserRole;
  created_at: string;
}

export type RegisterOutcome = { ok: true; user: UserRecord } | { ok: false; taken: 'email' | 'username' };

const registerScript = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 'email' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'username' end
local role = ARGV[6]
if role ~= 'admin' and ARGV[7] == '1' and redis.call('SCARD', KEYS[4]) == 0 then role = 'admin' end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'email', ARGV[2], 'username', ARGV[3], 'password_hash', ARGV[4],
  'created_at', ARGV[5], 'role', role)
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
return role
`;

const nameDigest = (name: string) => createHash('sha256').update(name.toLowerCase()).digest('hex');

export class UserStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private userKey(id: string): string {
    return this.keys.key('user', id);
  }

  /**
   * Creates a user. The user whose email is `adminEmail` becomes admin; when
   * no `adminEmail` is configured, the first user ever does. Everyone else is
   * a plain user (so a configured admin address cannot be beaten to it).
   */
  async register(
    input: { email: string; username: string; passwordHash: string },
    adminEmail?: string,
  ): Promise<RegisterOutcome> {
    const email = input.email.toLowerCase();
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const taken = (await this.redis.eval(
      registerScript,
      4,
      this.userKey(id),
      this.keys.key('user-email', nameDigest(email)),
      this.keys.key('user-name', nameDigest(input.username)),
      this.keys.key('users'),
      id,
      email,
      input.username,
      input.passwordHash,
      createdAt,
      adminEmail !== undefined && adminEmail === email ? 'admin' : 'user',
      adminEmail === undefined ? '1' : '0',
    )) as string;
    if (taken === 'email' || taken === 'username') return { ok: false, taken };
    return {
      ok: true,
      user: {
        id,
        email,
        username: input.username,
        password_hash: input.passwordHash,
        role: taken as UserRole,
        created_at: createdAt,
      },
    };
  }

  async get(id: string): Promise<UserRecord | null> {
    const fields = await this.redis.hgetall(this.userKey(id));
    return fields.id ? (fields as unknown as UserRecord) : null;
  }

  /** Finds a user by username or email, case-insensitively. */
  async findByLogin(login: string): Promise<UserRecord | null> {
    const kind = login.includes('@') ? 'user-email' : 'user-name';
    const id = await this.redis.get(this.keys.key(kind, nameDigest(login)));
    return id ? this.get(id) : null;
  }

  /** Removes the user and frees its email and username. */
  async delete(id: string): Promise<boolean> {
    const [email, username] = await this.redis.hmget(this.userKey(id), 'email', 'username');
    if (!email || !username) return false;
    await this.redis
      .multi()
      .del(
        this.userKey(id),
        this.keys.key('user-email', nameDigest(email)),
        this.keys.key('user-name', nameDigest(username)),
      )
      .srem(this.keys.key('users'), id)
      .exec();
    return true;
  }
}
