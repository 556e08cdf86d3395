/**
 * The webhook outbox's stored layout, in the node's RecordStore (so the LevelDB and PostgreSQL
 * stores both carry it): one message per event under `webhooks/message/<id>`, and an index of the
 * messages still to be sent under `webhooks/due/<next attempt time>/<id>`, ordered by when they are
 * due so the delivery worker reads only what is due. A message is written with its due entry in one
 * atomic write; delivered and dead-lettered messages stay (status DELIVERED / DEAD) without a due entry.
 *
 * Message ids are derived from the event itself (its type and the id of what it is about), so the
 * same event queued twice (a retried API call) is one message, and the receiver deduplicates on
 * `webhook-id`.
 */
import { createHash } from "node:crypto";
import type { RecordStore, StoredValue, WriteOp } from "../vault/store/record-store.ts";

export const WEBHOOK_EVENT_TYPES = [
  "onboarding.decided",
  "review.resolved",
  "attestation.revoked",
  "consent.granted",
  "consent.revoked",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Ids and outcomes only: the receiver reads the identity itself (GET /v1/records/{uid}). */
export type WebhookData = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface WebhookEvent {
  readonly type: WebhookEventType;
  /** The id of what the event is about (session, case, uid, consent): with the type, it names the event. */
  readonly subject: string;
  readonly data: WebhookData;
}

export const WEBHOOK_STATUSES = ["PENDING", "DELIVERED", "DEAD"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface WebhookMessage {
  readonly id: string;
  readonly type: WebhookEventType;
  /** The exact body sent (and signed) on every attempt. */
  readonly body: string;
  readonly createdAt: string;
  readonly status: WebhookStatus;
  readonly attempts: number;
  /** When the next attempt is due (PENDING only). */
  readonly nextAttemptAt: string | null;
  /** Why the last attempt failed: an HTTP status or a network error code, never the receiver's body. */
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

const MESSAGE = "webhooks/message/";
export const DUE = "webhooks/due/";
const ID_PATTERN = /^msg_[0-9a-f]{32}$/;

export const messageKey = (id: string) => `${MESSAGE}${id}`;
export const dueKey = (at: string, id: string) => `${DUE}${at}/${id}`;

/** The message id of an event: the same event always gets the same id. */
export function webhookMessageId(type: WebhookEventType, subject: string): string {
  return `msg_${createHash("sha256").update(`${type}\n${subject}`).digest("hex").slice(0, 32)}`;
}

/** The Standard Webhooks payload: `{type, timestamp, data}`. */
function webhookBody(event: WebhookEvent, at: Date): string {
  return JSON.stringify({ type: event.type, timestamp: at.toISOString(), data: event.data });
}

/** The ops that store `message` and move its due entry from `previousDue` (if any) to its next attempt. */
export function messageOps(message: WebhookMessage, previousDue: string | null): WriteOp[] {
  const ops: WriteOp[] = [{ type: "put", key: messageKey(message.id), value: message as unknown as StoredValue }];
  if (previousDue !== null) ops.push({ type: "del", key: dueKey(previousDue, message.id) });
  if (message.status === "PENDING" && message.nextAttemptAt !== null)
    ops.push({ type: "put", key: dueKey(message.nextAttemptAt, message.id), value: message.id });
  return ops;
}

export interface WebhookOutbox {
  /** Queues an event, due now; an event already queued (same type and subject) is left as it is. Returns its id. */
  enqueue(event: WebhookEvent): Promise<string>;
  /** Null for an unknown or malformed id. */
  find(id: string): Promise<WebhookMessage | null>;
  /** Messages in id order, optionally of one status, `limit` (1..100) after `after`. */
  list(options: { status?: WebhookStatus; limit: number; after?: string }): Promise<WebhookMessage[]>;
  /** Ids of PENDING messages due at or before `now`, oldest first, at most `limit`. */
  due(now: Date, limit: number): Promise<string[]>;
  /** Counts by status (the metrics' gauge, the operator's view). */
  counts(): Promise<Readonly<Record<WebhookStatus, number>>>;
  /** Writes a message's new state (after an attempt, or a redrive) and moves its due entry. */
  save(message: WebhookMessage, previousDue: string | null): Promise<void>;
}

export function createWebhookOutbox(store: RecordStore, clock: () => Date = () => new Date()): WebhookOutbox {
  // Enqueues are serialised so that two calls for one event cannot both find it absent.
  let tail: Promise<unknown> = Promise.resolve();
  const serialised = <T>(run: () => Promise<T>): Promise<T> => {
    const next = tail.then(run, run);
    tail = next.catch(() => undefined);
    return next;
  };

  async function find(id: string): Promise<WebhookMessage | null> {
    if (!ID_PATTERN.test(id)) return null;
    return ((await store.get(messageKey(id))) as unknown as WebhookMessage | undefined) ?? null;
  }

  return {
    enqueue: (event) =>
      serialised(async () => {
        const id = webhookMessageId(event.type, event.subject);
        if ((await find(id)) !== null) return id;
        const now = clock();
        const message: WebhookMessage = {
          id,
          type: event.type,
          body: webhookBody(event, now),
          createdAt: now.toISOString(),
          status: "PENDING",
          attempts: 0,
          nextAttemptAt: now.toISOString(),
          lastError: null,
          deliveredAt: null,
        };
        await store.write(messageOps(message, null));
        return id;
      }),
    find,
    async list({ status, limit, after }) {
      const out: WebhookMessage[] = [];
      const bounded = Math.min(100, Math.max(1, limit));
      for await (const [, value] of store.range({
        prefix: MESSAGE,
        ...(after !== undefined && ID_PATTERN.test(after) ? { after: messageKey(after) } : {}),
      })) {
        const message = value as unknown as WebhookMessage;
        if (status !== undefined && message.status !== status) continue;
        out.push(message);
        if (out.length === bounded) break;
      }
      return out;
    },
    async due(now, limit) {
      const ids: string[] = [];
      const cutoff = now.toISOString();
      for await (const [key, value] of store.range({ prefix: DUE, limit })) {
        if (key.slice(DUE.length, key.lastIndexOf("/")) > cutoff) break;
        if (typeof value === "string") ids.push(value);
      }
      return ids;
    },
    async counts() {
      const counts: Record<WebhookStatus, number> = { PENDING: 0, DELIVERED: 0, DEAD: 0 };
      for await (const [, value] of store.range({ prefix: MESSAGE }))
        counts[(value as unknown as WebhookMessage).status] += 1;
      return counts;
    },
    save: (message, previousDue) => store.write(messageOps(message, previousDue)),
  };
}
