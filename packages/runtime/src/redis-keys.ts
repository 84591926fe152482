/**
 * Key naming for everything Switchboard stores. Every key starts with the
 * configured prefix inside a hash tag (`{sb}:...`), so all keys share one
 * Redis Cluster slot and multi-key scripts and MULTI stay legal there.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** `{sb}:a:b:c` */
  key(...parts: string[]): string;
  /**
   * `{sb}:a:b:` — for a Lua script that derives a key from a stored id. The
   * result keeps the hash tag, so the derived key lives in the same slot.
   */
  keyPrefix(...parts: string[]): string;
  /** BullMQ's own prefix: its keys become `{sb}:q:<queue>:...`. */
  readonly queuePrefix: string;
  /** A pub/sub channel (not a key; no hash tag needed): `sb:events:<topic>`. */
  channel(topic: string): string;
}

const safePart = /^[^\s{}]{1,256}$/;

export function redisKeys(prefix: string): RedisKeys {
  const tag = `{${prefix}}`;
  return {
    prefix,
    key(...parts) {
      for (const part of parts) {
        if (!safePart.test(part)) throw new TypeError(`invalid key part ${JSON.stringify(part)}`);
      }
      return [tag, ...parts].join(':');
    },
    keyPrefix(...parts) {
      return `${this.key(...parts)}:`;
    },
    queuePrefix: `${tag}:q`,
    channel: (topic) => `${prefix}:events:${topic}`,
  };
}
