/**
 * The core-banking handoff: the webhook outbox in the vault's store, its delivery worker (when the
 * config names a receiver), the operator's port over it, and the decorator that queues an event
 * after each use case that core banking must hear about: a decision, a review outcome, a
 * revocation, a consent granted (re-onboarding) or revoked. Events carry ids and outcomes only.
 *
 * An event is queued after its use case has written its own state: a crash between the two loses
 * that one event (the state is kept, and the audit log has it); everything queued survives restarts
 * and is retried until delivered or dead-lettered.
 */
import { readFile } from "node:fs/promises";
import { KycnetError } from "@kycnet/sdk/errors";
import { Counter, Gauge, Histogram } from "prom-client";
import type { NodeConfig } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ApiServices, WebhookAdmin, WebhookMessageView } from "../onboarding/ports.ts";
import type { AuditLog } from "../vault/audit-log.ts";
import type { RecordStore } from "../vault/store/record-store.ts";
import { createWebhookDelivery, type WebhookDelivery } from "../webhooks/webhook-delivery.ts";
import {
  createWebhookOutbox,
  WEBHOOK_STATUSES,
  type WebhookEvent,
  type WebhookMessage,
  type WebhookOutbox,
} from "../webhooks/webhook-outbox.ts";

export interface NodeWebhooks {
  readonly outbox: WebhookOutbox;
  /** Null when no receiver is configured (nothing is then queued). */
  readonly delivery: WebhookDelivery | null;
  readonly admin: WebhookAdmin;
  /** The same services, queueing an event after each one core banking must hear about. */
  withEvents(services: ApiServices): ApiServices;
}

export class WebhookNotFoundError extends KycnetError {
  constructor(id: string) {
    super("WEBHOOK_NOT_FOUND", `no webhook message ${id}`, { details: { id } });
  }
}

const SECRET = /^(whsec_)?[A-Za-z0-9+/]{32,}={0,2}$/;

/** Reads the shared secret; a missing or malformed file is CONFIG_INVALID naming the file, never its content. */
async function readSecret(path: string): Promise<string> {
  const text = await readFile(path, "utf8").catch((cause: unknown) => {
    throw new KycnetError("CONFIG_INVALID", `configuration webhooks.secretFile: cannot read ${path}`, {
      details: { path: "webhooks.secretFile", reason: "unreadable" },
      cause,
    });
  });
  const secret = text.trim();
  if (!SECRET.test(secret))
    throw new KycnetError("CONFIG_INVALID", `configuration webhooks.secretFile: ${path} must hold whsec_<base64>`, {
      details: { path: "webhooks.secretFile", reason: "must hold whsec_<base64> (at least 24 bytes)" },
    });
  return secret;
}

/** `settings` is the config's `webhooks` section; absent, nothing is queued. */
export async function openWebhooks(
  settings: NodeConfig["webhooks"],
  deps: { store: RecordStore; audit: AuditLog; metrics: Metrics; logger: Logger; pollMs?: number },
): Promise<NodeWebhooks> {
  const outbox = createWebhookOutbox(deps.store);
  const instruments = webhookMetrics(deps.metrics, outbox);
  const delivery =
    settings === undefined
      ? null
      : createWebhookDelivery({
          outbox,
          url: settings.url,
          secret: await readSecret(settings.secretFile),
          timeoutMs: settings.timeoutMs,
          maxAttempts: settings.maxAttempts,
          baseBackoffMs: settings.baseBackoffMs,
          maxBackoffMs: settings.maxBackoffMs,
          ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
          onDelivered: ({ lagSeconds }) => {
            instruments.attempts.inc({ result: "delivered" });
            instruments.lag.observe(lagSeconds);
          },
          onFailedAttempt: ({ id, attempts, error, dead }) => {
            instruments.attempts.inc({ result: dead ? "dead" : "retry" });
            const log = { webhookId: id, attempts, error };
            if (dead) deps.logger.error(log, "webhook dead-lettered");
            else deps.logger.warn(log, "webhook delivery failed; will retry");
          },
          onError: (error) => deps.logger.error({ err: error }, "webhook delivery pass failed"),
        });

  const queue = async (event: WebhookEvent) => {
    if (delivery === null) return;
    try {
      await outbox.enqueue(event);
      delivery.wake();
    } catch (error) {
      // The use case has happened and its answer stands; the missed event is logged loudly (ids only).
      deps.logger.error({ err: error, type: event.type, subject: event.subject }, "webhook could not be queued");
    }
  };

  const admin: WebhookAdmin = {
    async list(query) {
      const messages = await outbox.list({
        limit: query.limit,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.after === undefined ? {} : { after: query.after }),
      });
      return { messages: messages.map(messageView), counts: await outbox.counts() };
    },
    async redrive(id, actor) {
      const message = delivery === null ? await outbox.find(id) : await delivery.redrive(id);
      if (message === null) throw new WebhookNotFoundError(id);
      await deps.audit.append({ actor, action: "webhook.redriven", target: id, details: { status: message.status } });
      return messageView(message);
    },
  };

  return { outbox, delivery, admin, withEvents: (services) => withWebhookEvents(services, queue) };
}

function messageView(message: WebhookMessage): WebhookMessageView {
  return {
    id: message.id,
    type: message.type,
    status: message.status,
    createdAt: message.createdAt,
    attempts: message.attempts,
    ...(message.nextAttemptAt === null ? {} : { nextAttemptAt: message.nextAttemptAt }),
    ...(message.lastError === null ? {} : { lastError: message.lastError }),
    ...(message.deliveredAt === null ? {} : { deliveredAt: message.deliveredAt }),
  };
}

/** Wraps the use cases whose outcome core banking must hear about; the others pass through. */
function withWebhookEvents(services: ApiServices, queue: (event: WebhookEvent) => Promise<void>): ApiServices {
  const { onboarding, review, attestations, consents } = services;
  const after = async <T>(result: T, event: (result: T) => WebhookEvent): Promise<T> => {
    await queue(event(result));
    return result;
  };
  const reviewEvent = (c: Awaited<ReturnType<typeof review.approve>>): WebhookEvent => ({
    type: "review.resolved",
    subject: c.caseId,
    data: { caseId: c.caseId, sessionId: c.sessionId, outcome: c.status, attestationUid: c.attestationUid ?? null },
  });
  return {
    ...services,
    onboarding: overriding(onboarding, {
      createReuseSession: async (subject, request) =>
        after(await onboarding.createReuseSession(subject, request), (created) => ({
          type: "consent.granted",
          subject: created.sessionId,
          data: { sessionId: created.sessionId, sourceUid: created.sourceUid, issuer: created.issuer },
        })),
      decide: async (sessionId) =>
        after(await onboarding.decide(sessionId), (decision) => ({
          type: "onboarding.decided",
          subject: sessionId,
          data: {
            sessionId,
            outcome: decision.outcome,
            assuranceLevel: decision.assuranceLevel,
            attestationUid: decision.attestationUid ?? null,
            reviewCaseId: decision.reviewCaseId ?? null,
            reasons: decision.reasons.map((r) => r.code),
          },
        })),
    }),
    review: overriding(review, {
      approve: async (caseId, reviewer, comment) => after(await review.approve(caseId, reviewer, comment), reviewEvent),
      reject: async (caseId, reviewer, comment) => after(await review.reject(caseId, reviewer, comment), reviewEvent),
    }),
    attestations: overriding(attestations, {
      revoke: async (uid, reason) =>
        after(await attestations.revoke(uid, reason), (revoked) => ({
          type: "attestation.revoked",
          subject: revoked.uid,
          data: { attestationUid: revoked.uid, reason: revoked.reason, txHash: revoked.txHash },
        })),
    }),
    consents: overriding(consents, {
      relayRevocation: async (revocation, signature) =>
        after(await consents.relayRevocation(revocation, signature), (relayed) => ({
          type: "consent.revoked",
          subject: relayed.consentId,
          data: { consentId: relayed.consentId, txHash: relayed.txHash },
        })),
    }),
  };
}

/**
 * `target` with some methods replaced; every other member is the target's own, methods bound to it
 * (so a class instance works as well as a plain object, and methods added to a port later pass through).
 */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(object, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

function webhookMetrics(metrics: Metrics, outbox: WebhookOutbox) {
  const registers = [metrics.registry];
  for (const name of ["webhook_delivery_lag_seconds", "webhook_attempts_total", "webhook_messages"])
    metrics.registry.removeSingleMetric(`kycnet_${name}`);
  new Gauge({
    name: "kycnet_webhook_messages",
    help: "Webhook messages by status (DEAD: dead-lettered, waiting for an operator)",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      this.reset();
      const counts = await outbox.counts().catch(() => null);
      if (counts === null) return;
      for (const status of WEBHOOK_STATUSES) this.set({ status: status.toLowerCase() }, counts[status]);
    },
  });
  return {
    lag: new Histogram({
      name: "kycnet_webhook_delivery_lag_seconds",
      help: "From an event queued to its webhook acknowledged by the receiver, retries included",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600, 3600],
      registers,
    }),
    attempts: new Counter({
      name: "kycnet_webhook_attempts_total",
      help: "Webhook delivery attempts by result: delivered, retry (failed, will retry), dead (dead-lettered)",
      labelNames: ["result"] as const,
      registers,
    }),
  };
}
