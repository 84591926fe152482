import { randomBytes } from 'node:crypto';
import type { CheckResult } from '@switchboard/contracts/health';
import type { QueueContract } from '@switchboard/contracts/queues';
import type { ServiceName } from '@switchboard/contracts/services';
import { topics } from '@switchboard/contracts/topics';
import type { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { createHttpServer, type HttpServer, type RoutePolicy } from './http-server.js';
import { type HeartbeatPort, instanceRecord, type ServiceIdentity, ServiceLifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { EventPublisher, EventSubscriber } from './pubsub.js';
import { QueueProducer } from './queue-producer.js';
import { RedisConnections } from './redis-connections.js';
import { type RedisKeys, redisKeys } from './redis-keys.js';

/** Builds the heartbeat store for this instance (the service registry in `stores`). */
export type HeartbeatFactory = (
  redis: Redis,
  keys: RedisKeys,
  identity: ServiceIdentity,
  ttlMs: number,
) => HeartbeatPort;

export interface ServiceBaseOptions {
  name: ServiceName;
  version: string;
  config: Config;
  heartbeat: HeartbeatFactory;
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream;
  /** Registered on the HTTP server before any route (see `HttpServerOptions.setup`). */
  httpSetup?: (app: HttpServer, service: ServiceBase) => Promise<void>;
  metricsPolicy?: RoutePolicy;
}

/**
 * What every Switchboard process is made of, wired once: config, logger,
 * metrics, Redis connections by role, key naming, HTTP server with the
 * operational routes, pub/sub, queue producers, heartbeats and the ordered
 * shutdown that closes all of it.
 */
export class ServiceBase {
  readonly identity: ServiceIdentity;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly keys: RedisKeys;
  readonly connections: RedisConnections;
  readonly redis: Redis;
  readonly lifecycle: ServiceLifecycle;
  readonly publisher: EventPublisher;
  /** Extra `/ready` checks beside Redis, added by the service. */
  readonly readinessChecks = new Map<string, () => Promise<CheckResult> | CheckResult>();
  http!: HttpServer;
  private eventSubscriber: EventSubscriber | undefined;
  private readonly producers = new Map<string, QueueProducer<QueueContract>>();

  private constructor(options: ServiceBaseOptions) {
    const { config, name } = options;
    this.config = config;
    this.identity = {
      name,
      version: options.version,
      instance: randomBytes(6).toString('hex'),
      startedAt: new Date(),
    };
    this.logger = createLogger({
      service: name,
      level: config.logLevel,
      instance: this.identity.instance,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
    this.metrics = createMetrics(name);
    this.keys = redisKeys(config.redis.prefix);
    this.connections = new RedisConnections(config.redis.url, name, this.logger);
    this.redis = this.connections.create('commands');
    const ttlMs = config.heartbeatTtlS * 1000;
    this.lifecycle = new ServiceLifecycle({
      identity: this.identity,
      logger: this.logger,
      connections: this.connections,
      heartbeat: options.heartbeat(this.redis, this.keys, this.identity, ttlMs),
      heartbeatIntervalMs: Math.max(500, Math.floor(ttlMs / 3)),
    });
    this.publisher = new EventPublisher(this.redis, this.keys, this.metrics);
    this.lifecycle.onStop('announce', 'goodbye', () =>
      this.publisher.publish(topics.system, {
        type: 'service_stopping',
        service: name,
        instance: this.identity.instance,
        reason: 'shutdown',
      }),
    );
  }

  static async create(options: ServiceBaseOptions): Promise<ServiceBase> {
    const service = new ServiceBase(options);
    service.http = await createHttpServer({
      lifecycle: service.lifecycle,
      logger: service.logger,
      metrics: service.metrics,
      readiness: () => service.readiness(),
      trustProxy: options.config.trustProxy,
      openaiConfigured: options.config.llm.provider === 'openai',
      ...(options.httpSetup ? { setup: (app: HttpServer) => options.httpSetup!(app, service) } : {}),
      ...(options.metricsPolicy ? { metricsPolicy: options.metricsPolicy } : {}),
    });
    return service;
  }

  /** One shared subscriber connection per process, opened on first use. */
  subscriber(): EventSubscriber {
    this.eventSubscriber ??= new EventSubscriber(
      this.connections.create('subscriber'),
      this.keys,
      this.logger,
      this.metrics,
    );
    return this.eventSubscriber;
  }

  /** One producer per queue per process. */
  producer<Q extends QueueContract>(contract: Q): QueueProducer<Q> {
    let producer = this.producers.get(contract.name);
    if (!producer) {
      producer = new QueueProducer(contract, {
        connection: this.redis,
        openBlocking: () => this.connections.create('worker', `${contract.name}-events`),
        queuePrefix: this.keys.queuePrefix,
        retry: this.config.retry,
      });
      this.producers.set(contract.name, producer);
      const created = producer;
      this.lifecycle.onStop('queues', `${contract.name} producer`, () => created.close());
    }
    return producer as unknown as QueueProducer<Q>;
  }

  async checkRedis(): Promise<CheckResult> {
    const startedAt = performance.now();
    try {
      await withTimeout(this.redis.ping(), 1_000, 'no answer within 1 s');
      return { ok: true, latency_ms: Math.round(performance.now() - startedAt) };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async readiness(): Promise<Record<string, CheckResult>> {
    const checks: Record<string, CheckResult> = { redis: await this.checkRedis() };
    for (const [name, check] of this.readinessChecks) checks[name] = await check();
    return checks;
  }

  /**
   * Starts serving: HTTP on `port`, then the first heartbeat and the
   * `service_started` announcement, so the service is only reported up once
   * it can actually answer. Returns the address it listens on.
   */
  async start(port: number): Promise<string> {
    const address = await this.http.listen({ port, host: this.config.host });
    await this.lifecycle.start();
    await this.publisher.publish(topics.system, {
      type: 'service_started',
      instance: instanceRecord(this.identity),
    });
    this.logger.info({ address, version: this.identity.version }, `${this.identity.name} ready`);
    return address;
  }

  stop(reason: string): Promise<void> {
    return this.lifecycle.stop(reason);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
