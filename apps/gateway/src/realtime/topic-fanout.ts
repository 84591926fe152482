import type { TopicContract, TopicEvent } from '@switchboard/contracts/topics';
import type { EventSubscriber } from '@switchboard/runtime/pubsub';
import type { FastifyBaseLogger } from 'fastify';

type Listener<T extends TopicContract> = (event: TopicEvent<T>) => void;

interface Channel<T extends TopicContract> {
  listeners: Set<Listener<T>>;
  /** Settles once Redis confirmed the subscription; holds the way to end it. */
  subscribed: Promise<() => Promise<void>>;
}

/**
 * Local fan-out of one parameterised topic (`session:<id>`, `user:<id>`):
 * one subscription per id for this gateway instance however many sockets
 * watch it, taken when the first listener arrives and dropped when the last
 * leaves. Every `watch` resolves only once Redis has confirmed the
 * subscription (a second watcher waits for the first one's), so a caller
 * that reads a stream afterwards cannot miss an entry published in between.
 */
export class TopicFanout<T extends TopicContract> {
  private readonly channels = new Map<string, Channel<T>>();

  constructor(
    private readonly subscriber: EventSubscriber,
    private readonly topic: T,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** Ids with at least one local listener. */
  get size(): number {
    return this.channels.size;
  }

  /** Starts delivering the id's events to `listener`; the result stops it. */
  async watch(id: string, listener: Listener<T>): Promise<() => Promise<void>> {
    const channel = this.channels.get(id) ?? this.open(id);
    channel.listeners.add(listener);
    try {
      await channel.subscribed;
    } catch (error) {
      channel.listeners.delete(listener);
      throw error;
    }
    let watching = true;
    return async () => {
      if (!watching) return;
      watching = false;
      channel.listeners.delete(listener);
      if (channel.listeners.size > 0 || this.channels.get(id) !== channel) return;
      this.channels.delete(id);
      await (await channel.subscribed)();
    };
  }

  private open(id: string): Channel<T> {
    const listeners = new Set<Listener<T>>();
    const deliver = (event: TopicEvent<T>) => {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.error({ err: error, topic: this.topic.name, id }, 'realtime listener failed');
        }
      }
    };
    const channel: Channel<T> = { listeners, subscribed: this.subscriber.subscribe(this.topic, deliver, id) };
    this.channels.set(id, channel);
    channel.subscribed.catch(() => {
      if (this.channels.get(id) === channel) this.channels.delete(id);
    });
    return channel;
  }
}
