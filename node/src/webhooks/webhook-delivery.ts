/**
 * Delivers the webhook outbox to the bank's core-banking receiver, signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`, by the `standardwebhooks` package). A 2xx answer delivers the message; any
 * other answer, a network error or a timeout schedules another attempt after an exponential backoff
 * with jitter; after `maxAttempts` the message is dead-lettered (status DEAD, kept for the operator,
 * who can send it again). The secret is never logged; failures are reported as a status code or an
 * error code, never the receiver's body.
 */
import { Webhook } from "standardwebhooks";
import type { WebhookMessage, WebhookOutbox } from "./webhook-outbox.ts";

export interface WebhookDeliveryOptions {
  readonly outbox: WebhookOutbox;
  readonly url: string;
  /** `whsec_<base64>` (Standard Webhooks' format) or the base64 key alone. */
  readonly secret: string;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  /** First retry delay; doubled per attempt up to `maxBackoffMs`, then jittered. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly pollMs?: number;
  /** Messages sent at once. */
  readonly concurrency?: number;
  readonly clock?: () => Date;
  /** [0, 1): the jitter's randomness (tests pin it). */
  readonly random?: () => number;
  readonly onDelivered?: (event: { id: string; attempts: number; lagSeconds: number }) => void;
  readonly onFailedAttempt?: (event: { id: string; attempts: number; error: string; dead: boolean }) => void;
  readonly onError?: (error: unknown) => void;
}

export interface WebhookDelivery {
  /** Sends every message due now, once each; resolves when they are all settled. Passes never overlap. */
  deliverDue(): Promise<{ delivered: number; failed: number }>;
  /** Asks for a pass soon (after an enqueue), without waiting for the next poll. */
  wake(): void;
  /** Puts a DEAD message back in the queue, due now, with its attempts reset. Null for an unknown id. */
  redrive(id: string): Promise<WebhookMessage | null>;
  start(): void;
  /** Stops polling and waits for a running pass. */
  stop(): Promise<void>;
}

/** The delay before attempt `attempts + 1`: base·2^(attempts-1), capped, then "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, base: number, max: number, random: () => number): number {
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const { outbox, url } = options;
  const signer = new Webhook(options.secret);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 12;
  const baseBackoffMs = options.baseBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 3_600_000;
  const pollMs = options.pollMs ?? 1_000;
  const concurrency = options.concurrency ?? 8;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;

  /** One attempt: null when delivered, else why not. */
  async function send(message: WebhookMessage): Promise<string | null> {
    const at = clock();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": message.id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": signer.sign(message.id, at, message.body),
        },
        body: message.body,
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is not read into anything: drain it so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? null : `HTTP_${response.status}`;
    } catch (error) {
      return errorCode(error);
    }
  }

  async function attempt(id: string): Promise<boolean> {
    const message = await outbox.find(id);
    if (message === null || message.status !== "PENDING") return true;
    const error = await send(message);
    const attempts = message.attempts + 1;
    const now = clock();
    if (error === null) {
      await outbox.save(
        {
          ...message,
          status: "DELIVERED",
          attempts,
          nextAttemptAt: null,
          lastError: null,
          deliveredAt: now.toISOString(),
        },
        message.nextAttemptAt,
      );
      options.onDelivered?.({ id, attempts, lagSeconds: (now.getTime() - Date.parse(message.createdAt)) / 1000 });
      return true;
    }
    const dead = attempts >= maxAttempts;
    const next = dead ? null : new Date(now.getTime() + backoffMs(attempts, baseBackoffMs, maxBackoffMs, random));
    await outbox.save(
      {
        ...message,
        status: dead ? "DEAD" : "PENDING",
        attempts,
        nextAttemptAt: next?.toISOString() ?? null,
        lastError: error,
      },
      message.nextAttemptAt,
    );
    options.onFailedAttempt?.({ id, attempts, error, dead });
    return false;
  }

  let running: Promise<{ delivered: number; failed: number }> | undefined;
  async function pass(): Promise<{ delivered: number; failed: number }> {
    const result = { delivered: 0, failed: 0 };
    for (;;) {
      const ids = await outbox.due(clock(), concurrency);
      if (ids.length === 0) return result;
      const outcomes = await Promise.all(ids.map(attempt));
      for (const ok of outcomes) result[ok ? "delivered" : "failed"] += 1;
      // Failed ones are due later now; stop when a whole round failed, so a down receiver is not hammered.
      if (outcomes.every((ok) => !ok)) return result;
    }
  }
  async function deliverDue() {
    while (running !== undefined) await running.catch(() => undefined);
    const current = pass().finally(() => {
      running = undefined;
    });
    running = current;
    return current;
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let woken = false;
  function schedule(ms: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      woken = false;
      deliverDue()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => schedule(woken ? 0 : pollMs));
    }, ms);
    timer.unref?.();
  }

  function wake(): void {
    if (stopped) return;
    if (running !== undefined) woken = true;
    else schedule(0);
  }

  return {
    deliverDue,
    wake,
    async redrive(id) {
      const message = await outbox.find(id);
      if (message === null) return null;
      if (message.status !== "DEAD") return message;
      const revived: WebhookMessage = {
        ...message,
        status: "PENDING",
        attempts: 0,
        nextAttemptAt: clock().toISOString(),
      };
      await outbox.save(revived, null);
      wake();
      return revived;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** A stable code for a failed attempt: the network error's code (ECONNREFUSED...) or TIMEOUT. */
function errorCode(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "TIMEOUT";
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string" && /^[A-Z_]{1,40}$/.test(cause.code)) return cause.code;
  return "NETWORK_ERROR";
}
