import type { Redis } from 'ioredis';
import { createRequire } from 'node:module';
import type { Logger } from '../core/index.ts';
import type { OutageLog } from './outage.ts';

/**
 * The context's Redis connections for what is not BullMQ's (the queues open their own): a
 * subscriber (a connection in subscribe mode can do nothing else) and a publisher, each made on
 * first use, so a process that never watches or announces alias moves never connects.
 */
export interface RedisConnections {
  /** Reconnects forever with a capped backoff; its outages are reported once through the context's outage log. */
  subscriber(): Redis;
  /** Commands fail within about 2 s when Redis is away (callers log and go on). */
  publisher(): Redis;
  close(): void;
}

// ioredis loads with the first connection made, so a process without REDIS_URL never loads it.
const requireCjs = createRequire(import.meta.url);

export function createRedisConnections(url: string, deps: { logger: Logger; outage?: OutageLog }): RedisConnections {
  const { Redis } = requireCjs('ioredis') as typeof import('ioredis');
  let subscriber: Redis | undefined;
  let publisher: Redis | undefined;
  return {
    subscriber() {
      if (!subscriber) {
        subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
        const { outage, logger } = deps;
        subscriber.on('error', (error) => (outage ? outage.failed(error) : logger.warn({ err: error }, 'redis subscriber: error')));
        subscriber.on('ready', () => outage?.recovered());
      }
      return subscriber;
    },
    publisher() {
      if (!publisher) {
        publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 2000 });
        // Failures surface on the command that needed the connection; the event alone is noise.
        publisher.on('error', () => undefined);
      }
      return publisher;
    },
    close() {
      subscriber?.disconnect();
      publisher?.disconnect();
      subscriber = publisher = undefined;
    },
  };
}
