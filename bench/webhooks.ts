/**
 * Webhook delivery lag (npm run bench:webhooks): from an event queued in the outbox (LevelDB on disk)
 * to its webhook verified by a real receiver (standardwebhooks, HTTP on loopback), at a steady rate,
 * in three runs of the same events:
 *   - baseline: one signed POST per event sent at once, no outbox (what the outbox adds is the
 *     difference);
 *   - outbox: the node's path (queue, wake the worker, sign, POST, mark delivered);
 *   - outbox, receiver down: the receiver answers 503 for its first `DOWN_REQUESTS` requests, so the
 *     lag includes retries with backoff (base 200 ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { openLevelRecordStore } from "../node/src/vault/store/level/level-record-store.ts";
import { createWebhookDelivery } from "../node/src/webhooks/webhook-delivery.ts";
import { createWebhookOutbox, type WebhookEvent } from "../node/src/webhooks/webhook-outbox.ts";
import { newSecret, startReceiver, type Receiver } from "../test/node/webhooks/receiver.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 100);
const DOWN_REQUESTS = 50;

const event = (run: string, i: number): WebhookEvent => ({
  type: "onboarding.decided",
  subject: `${run}-${i}`,
  data: { sessionId: `${run}-${i}`, outcome: "PASS", assuranceLevel: 1, attestationUid: null, reasons: [] },
});

/** Queues EVENTS events at RATE_PER_SECOND through `send`, returning each one's queue time by subject. */
async function paced(run: string, send: (e: WebhookEvent) => Promise<void>): Promise<Map<string, number>> {
  const queuedAt = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = start + (i * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const e = event(run, i);
    queuedAt.set(e.subject, Date.now());
    void send(e);
  }
  return queuedAt;
}

function lagRow(name: string, receiver: Receiver, queuedAt: Map<string, number>): Row & { p95Ms: number } {
  const lags = receiver.received.map(
    (w) => w.receivedAt - queuedAt.get(String((w.payload.data as { sessionId: string }).sessionId))!,
  );
  return {
    run: name,
    events: lags.length,
    requests: receiver.requests.length,
    p50Ms: percentile(lags, 50),
    p95Ms: percentile(lags, 95),
    p99Ms: percentile(lags, 99),
    maxMs: Math.max(...lags),
  };
}

async function baseline(): Promise<Row & { p95Ms: number }> {
  const secret = newSecret();
  const receiver = await startReceiver(secret);
  const signer = new Webhook(secret);
  try {
    const queuedAt = await paced("baseline", async (e) => {
      const body = JSON.stringify({ type: e.type, timestamp: new Date().toISOString(), data: e.data });
      const id = `msg_${e.subject}`;
      const now = new Date();
      await fetch(receiver.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": signer.sign(id, now, body),
        },
        body,
      });
    });
    await receiver.waitFor(EVENTS, 120_000);
    return lagRow("baseline: direct signed POST", receiver, queuedAt);
  } finally {
    await receiver.close();
  }
}

async function throughOutbox(name: string, downRequests: number): Promise<Row & { p95Ms: number }> {
  const secret = newSecret();
  const receiver = await startReceiver(secret);
  receiver.failNext(downRequests);
  const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-webhooks-"));
  const store = await openLevelRecordStore(join(dir, "vault"));
  const outbox = createWebhookOutbox(store);
  const delivery = createWebhookDelivery({ outbox, url: receiver.url, secret, baseBackoffMs: 200 });
  delivery.start();
  try {
    const queuedAt = await paced(name, async (e) => {
      await outbox.enqueue(e);
      delivery.wake();
    });
    await receiver.waitFor(EVENTS, 300_000);
    return lagRow(name, receiver, queuedAt);
  } finally {
    await delivery.stop();
    await store.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JIT, sockets and the first LevelDB open are warmed before any run is measured (the first run would pay them). */
async function warmUp(): Promise<void> {
  const secret = newSecret();
  const receiver = await startReceiver(secret);
  const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-warm-"));
  const store = await openLevelRecordStore(join(dir, "vault"));
  try {
    const outbox = createWebhookOutbox(store);
    for (let i = 0; i < 200; i++) await outbox.enqueue(event("warm", i));
    await createWebhookDelivery({ outbox, url: receiver.url, secret }).deliverDue();
  } finally {
    await store.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await warmUp();
const direct = await baseline();
const outbox = await throughOutbox("outbox (LevelDB), receiver up", 0);
const down = await throughOutbox(`outbox, receiver 503 for ${DOWN_REQUESTS} requests`, DOWN_REQUESTS);
printTable(`Webhook delivery lag, ${EVENTS} events at ${RATE_PER_SECOND}/s (queue → verified by the receiver)`, [
  direct,
  outbox,
  down,
]);
const ratio = outbox.p95Ms / Math.max(1, direct.p95Ms);
process.stdout.write(`\noutbox p95 is ${ratio.toFixed(1)}x the direct-POST baseline's\n`);
writeResults("webhooks", {
  events: EVENTS,
  ratePerSecond: RATE_PER_SECOND,
  deliveryLagP95Ms: outbox.p95Ms,
  baselineP95Ms: direct.p95Ms,
  ratioToBaseline: Number(ratio.toFixed(2)),
  receiverDownP95Ms: down.p95Ms,
  runs: [direct, outbox, down],
});
