import type { TopicContract, TopicEvent } from '@switchboard/contracts/topics';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import type { RedisKeys } from './redis-keys.js';
import { describeErrors } from './validation-message.js';

/** Publishes contract-checked events on `<prefix>:events:<topic>`. */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly metrics: ServiceMetrics,
  ) {}

  async publish<T extends TopicContract>(topic: T, event: TopicEvent<T>, param?: string): Promise<number> {
    if (!topic.eventValidator.Check(event)) {
      throw new TypeError(
        `invalid ${topic.name} event: ${describeErrors(topic.eventValidator.Errors(event)).join('; ')}`,
      );
    }
    this.metrics.events.inc({ topic: topic.name, direction: 'out' });
    return this.redis.publish(this.keys.channel(topic.channel(param)), JSON.stringify(event));
  }
}

type Handler = (event: unknown) => void;

/**
 * One Redis subscription per channel for the whole process, however many
 * listeners it has (sockets, waiters). Events that break the topic's contract
 * are logged and dropped, never passed on.
 */
export class EventSubscriber {
  private readonly listeners = new Map<string, { topic: TopicContract; handlers: Set<Handler> }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
  ) {
    redis.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  async subscribe<T extends TopicContract>(
    topic: T,
    handler: (event: TopicEvent<T>) => void,
    param?: string,
  ): Promise<() => Promise<void>> {
    const channel = this.keys.channel(topic.channel(param));
    let entry = this.listeners.get(channel);
    if (!entry) {
      entry = { topic, handlers: new Set() };
      this.listeners.set(channel, entry);
      await this.redis.subscribe(channel);
    }
    const ownHandler = handler as Handler;
    entry.handlers.add(ownHandler);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current?.handlers.delete(ownHandler) || current.handlers.size > 0) return;
      this.listeners.delete(channel);
      await this.redis.unsubscribe(channel);
    };
  }

  /** Channels with at least one listener. */
  get channelCount(): number {
    return this.listeners.size;
  }

  private dispatch(channel: string, message: string): void {
    const entry = this.listeners.get(channel);
    if (!entry) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch {
      this.logger.warn({ channel }, 'dropped an event that is not JSON');
      return;
    }
    if (!entry.topic.eventValidator.Check(event)) {
      const problems = describeErrors(entry.topic.eventValidator.Errors(event));
      this.logger.warn({ channel, problems }, 'dropped an event that breaks its topic contract');
      return;
    }
    this.metrics.events.inc({ topic: entry.topic.name, direction: 'in' });
    for (const handler of entry.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error({ err: error, channel }, 'event listener failed');
      }
    }
  }
}
