import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './database.ts';

/**
 * Cross-node events over PostgreSQL LISTEN/NOTIFY. A publish inside a transaction is delivered only if and when
 * that transaction commits. Delivery is best-effort (a node that is reconnecting misses events), so every
 * consumer also re-checks periodically; after a reconnect, subscribers of `EventBus.RECONNECTED` are told to.
 */
export interface BusEvent {
  topic: string;
  payload: Record<string, unknown>;
}

export interface EventBus {
  publish(executor: Db, topic: string, payload: Record<string, unknown>): Promise<void>;
  subscribe(topic: string, handler: (payload: Record<string, unknown>) => void): () => void;
  /** Resolves once the listening connection is established. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export const RECONNECTED_TOPIC = 'bus.reconnected';
const CHANNEL = 'gatehouse_events';
const MAX_PAYLOAD_BYTES = 7900; // NOTIFY's limit is 8000 bytes

export interface EventBusOptions {
  connection: pg.ClientConfig;
  onError?: (error: Error) => void;
  reconnectDelayMs?: number;
}

export function createEventBus(options: EventBusOptions): EventBus {
  const handlers = new Map<string, Set<(payload: Record<string, unknown>) => void>>();
  const delay = options.reconnectDelayMs ?? 1000;
  let client: pg.Client | undefined;
  let closed = false;
  let everConnected = false;
  let readyResolve: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  let retryTimer: NodeJS.Timeout | undefined;

  const dispatch = (topic: string, payload: Record<string, unknown>): void => {
    for (const handler of handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        options.onError?.(error as Error);
      }
    }
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client(options.connection);
    next.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const event = JSON.parse(message.payload) as BusEvent;
        dispatch(event.topic, event.payload);
      } catch (error) {
        options.onError?.(error as Error);
      }
    });
    const lost = (error?: Error): void => {
      if (client !== next) return;
      client = undefined;
      next.removeAllListeners('end');
      next.end().catch(() => undefined);
      if (error) options.onError?.(error);
      if (!closed) retryTimer = setTimeout(() => void connect(), delay);
    };
    next.on('error', lost);
    next.on('end', () => lost());
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      options.onError?.(error as Error);
      if (!closed) retryTimer = setTimeout(() => void connect(), delay);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    if (everConnected) dispatch(RECONNECTED_TOPIC, {});
    everConnected = true;
    readyResolve();
  };
  void connect();

  return {
    async publish(executor, topic, payload) {
      const text = JSON.stringify({ topic, payload } satisfies BusEvent);
      if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
        throw new Error(`event ${topic} is too large for NOTIFY (${Buffer.byteLength(text)} bytes); publish ids, not objects`);
      }
      await sql`SELECT pg_notify(${CHANNEL}, ${text})`.execute(executor);
    },
    subscribe(topic, handler) {
      let set = handlers.get(topic);
      if (!set) handlers.set(topic, (set = new Set()));
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
