import { describe, expect, it } from 'vitest';
import { redisKeys } from './redis-keys.js';

describe('redisKeys', () => {
  const keys = redisKeys('sb');

  it('puts every key and the BullMQ prefix inside one hash tag', () => {
    expect(keys.key('heartbeat', 'chat', 'abc')).toBe('{sb}:heartbeat:chat:abc');
    expect(keys.queuePrefix).toBe('{sb}:q');
  });

  it('names pub/sub channels under the prefix', () => {
    expect(keys.channel('session:s1')).toBe('sb:events:session:s1');
  });

  it('refuses parts that would escape the hash tag or the key space', () => {
    for (const bad of ['', 'a b', '{other}', 'x}', 'x'.repeat(300)]) {
      expect(() => keys.key('session', bad)).toThrow(TypeError);
    }
  });
});
