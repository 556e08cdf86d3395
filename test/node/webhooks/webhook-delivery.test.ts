/**
 * The webhook outbox and its delivery against a real HTTP receiver that verifies every request with
 * the `standardwebhooks` package: signatures, one message per event, retries with backoff against a
 * receiver answering 503, dead letter against one that is down and the operator's redrive, and
 * queued messages surviving a restart of the (LevelDB) store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { backoffMs, createWebhookDelivery } from "../../../node/src/webhooks/webhook-delivery.ts";
import { createWebhookOutbox, type WebhookEvent } from "../../../node/src/webhooks/webhook-outbox.ts";
import { newSecret, startReceiver, type Receiver } from "./receiver.ts";

const decided = (sessionId: string): WebhookEvent => ({
  type: "onboarding.decided",
  subject: sessionId,
  data: { sessionId, outcome: "PASS", assuranceLevel: 1, attestationUid: `0x${"ab".repeat(32)}`, reasons: [] },
});

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("webhooks: outbox and delivery", function () {
  this.timeout(30_000);
  let secret: string;
  let receiver: Receiver;
  let store: RecordStore;

  beforeEach(async () => {
    secret = newSecret();
    receiver = await startReceiver(secret);
    store = createMemoryRecordStore();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it("signs each webhook so that standardwebhooks verifies it, with the event's type and data and no personal data", async () => {
    const outbox = createWebhookOutbox(store);
    const delivery = createWebhookDelivery({ outbox, url: receiver.url, secret });
    const id = await outbox.enqueue(decided("ses_1"));
    expect(await delivery.deliverDue()).to.deep.equal({ delivered: 1, failed: 0 });

    expect(receiver.rejected).to.equal(0);
    expect(receiver.received).to.have.length(1);
    const [webhook] = receiver.received;
    expect(webhook!.id)
      .to.equal(id)
      .and.match(/^msg_[0-9a-f]{32}$/);
    expect(webhook!.payload.type).to.equal("onboarding.decided");
    expect(webhook!.payload.data).to.deep.equal(decided("ses_1").data);
    expect(Math.abs(webhook!.timestamp - Date.now() / 1000)).to.be.below(5);
    const stored = await outbox.find(id);
    expect(stored).to.include({ status: "DELIVERED", attempts: 1, nextAttemptAt: null });
    expect(await outbox.due(new Date(Date.now() + 86_400_000), 10)).to.deep.equal([]);
  });

  it("is refused by a receiver holding another secret (the signature is checked, not assumed)", async () => {
    const outbox = createWebhookOutbox(store);
    const delivery = createWebhookDelivery({ outbox, url: receiver.url, secret: newSecret(), maxAttempts: 1 });
    const id = await outbox.enqueue(decided("ses_2"));
    expect(await delivery.deliverDue()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(receiver.rejected).to.equal(1);
    expect(receiver.received).to.have.length(0);
    expect(await outbox.find(id)).to.include({ status: "DEAD", lastError: "HTTP_401" });
  });

  it("queues an event once: the same event again keeps its id and is not sent twice", async () => {
    const outbox = createWebhookOutbox(store);
    const delivery = createWebhookDelivery({ outbox, url: receiver.url, secret });
    const [a, b] = await Promise.all([outbox.enqueue(decided("ses_3")), outbox.enqueue(decided("ses_3"))]);
    expect(a).to.equal(b);
    const other = await outbox.enqueue(decided("ses_4"));
    expect(other).not.to.equal(a);
    await delivery.deliverDue();
    expect(await outbox.enqueue(decided("ses_3"))).to.equal(a);
    await delivery.deliverDue();
    expect(receiver.requests.map((r) => r.id).sort()).to.deep.equal([a, other].sort());
  });

  it("retries a receiver answering 503 after growing, jittered delays, then delivers", async () => {
    const outbox = createWebhookOutbox(store);
    receiver.failNext(2);
    const delivery = createWebhookDelivery({
      outbox,
      url: receiver.url,
      secret,
      baseBackoffMs: 100,
      maxBackoffMs: 10_000,
      pollMs: 10,
      random: () => 1,
    });
    const id = await outbox.enqueue(decided("ses_5"));
    const started = Date.now();
    delivery.start();
    try {
      await receiver.waitFor(1);
    } finally {
      await delivery.stop();
    }
    expect(receiver.requests.map((r) => r.status)).to.deep.equal([503, 503, 204]);
    // 100 ms after the first failure, 200 ms after the second (random() = 1: the full delay).
    expect(Date.now() - started).to.be.at.least(300);
    expect(await outbox.find(id)).to.include({ status: "DELIVERED", attempts: 3, lastError: null });
  });

  it("dead-letters a message after maxAttempts against a receiver that is down; the operator's redrive delivers it", async () => {
    const port = await freePort();
    const outbox = createWebhookOutbox(store);
    const delivery = createWebhookDelivery({
      outbox,
      url: `http://127.0.0.1:${port}/hook`,
      secret,
      maxAttempts: 3,
      baseBackoffMs: 10,
      pollMs: 10,
    });
    const id = await outbox.enqueue(decided("ses_6"));
    delivery.start();
    try {
      await until(async () => (await outbox.find(id))?.status === "DEAD");
      const dead = (await outbox.find(id))!;
      expect(dead).to.include({ attempts: 3, lastError: "ECONNREFUSED", nextAttemptAt: null });
      expect(await outbox.counts()).to.deep.equal({ PENDING: 0, DELIVERED: 0, DEAD: 1 });
      expect((await outbox.list({ status: "DEAD", limit: 10 })).map((m) => m.id)).to.deep.equal([id]);

      const upAgain = await startReceiver(secret, port);
      try {
        expect(await delivery.redrive(id)).to.include({ status: "PENDING", attempts: 0 });
        await upAgain.waitFor(1);
        expect(upAgain.received[0]!.id).to.equal(id);
        await until(async () => (await outbox.find(id))?.status === "DELIVERED");
      } finally {
        await upAgain.close();
      }
    } finally {
      await delivery.stop();
    }
    expect(await delivery.redrive("msg_unknown")).to.equal(null);
  });

  it("keeps queued messages across a restart of the LevelDB store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kycnet-webhooks-"));
    try {
      const first = await openLevelRecordStore(join(dir, "vault"));
      const id = await createWebhookOutbox(first).enqueue(decided("ses_7"));
      await first.close();

      const reopened = await openLevelRecordStore(join(dir, "vault"));
      try {
        const outbox = createWebhookOutbox(reopened);
        expect(await outbox.find(id)).to.include({ status: "PENDING" });
        await createWebhookDelivery({ outbox, url: receiver.url, secret }).deliverDue();
        expect(receiver.received.map((r) => r.id)).to.deep.equal([id]);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("backs off exponentially from the base, capped, with half of each delay random", () => {
    expect(backoffMs(1, 1_000, 60_000, () => 0)).to.equal(500);
    expect(backoffMs(1, 1_000, 60_000, () => 1)).to.equal(1_000);
    expect(backoffMs(4, 1_000, 60_000, () => 1)).to.equal(8_000);
    expect(backoffMs(30, 1_000, 60_000, () => 0.5)).to.equal(45_000);
  });
});
