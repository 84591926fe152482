import { AssistantCard, LlmInfo } from '@switchboard/contracts/chat';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

/*
 * Keys
 *   {sb}:assistant-catalog   HASH   `cards` (JSON AssistantCard[], in the order published), `llm` (JSON LlmInfo).
 *                                   No expiry: rewritten whole by the chat service at every start.
 * Atomicity: `publish` replaces both fields in one MULTI, so readers see one catalog or the next, never a mix.
 */

const cardsValidator = Compile(Type.Array(AssistantCard));
const llmValidator = Compile(LlmInfo);

function parse<T>(value: string | null, validator: { Check(candidate: unknown): candidate is T }): T | null {
  if (value === null) return null;
  try {
    const candidate: unknown = JSON.parse(value);
    return validator.Check(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** What the chat service offers (its assistants and its LLM), for the gateway to show without asking it. */
export class AssistantCatalogStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return this.keys.key('assistant-catalog');
  }

  async publish(cards: AssistantCard[], llm: LlmInfo): Promise<void> {
    if (!cardsValidator.Check(cards)) throw new TypeError('invalid assistant cards');
    if (!llmValidator.Check(llm)) throw new TypeError('invalid LLM info');
    await this.redis
      .multi()
      .del(this.key)
      .hset(this.key, { cards: JSON.stringify(cards), llm: JSON.stringify(llm) })
      .exec();
  }

  /** The published cards; empty until the chat service has started once (or if the value is unreadable). */
  async cards(): Promise<AssistantCard[]> {
    return parse(await this.redis.hget(this.key, 'cards'), cardsValidator) ?? [];
  }

  async card(name: string): Promise<AssistantCard | null> {
    return (await this.cards()).find((card) => card.name === name) ?? null;
  }

  async llmInfo(): Promise<LlmInfo | null> {
    return parse(await this.redis.hget(this.key, 'llm'), llmValidator);
  }
}
