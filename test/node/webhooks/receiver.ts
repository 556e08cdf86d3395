/**
 * A core-banking receiver for tests and the benchmark: a real HTTP server that verifies each webhook
 * with the `standardwebhooks` package (signature, timestamp tolerance) and deduplicates by
 * `webhook-id`, as Standard Webhooks asks of a receiver. `failNext(n)` answers the next n requests
 * 503 (a receiver that is down behind its load balancer).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** A fresh shared secret in Standard Webhooks' format. */
export const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: number;
  readonly payload: { type: string; timestamp: string; data: Record<string, unknown> };
  readonly receivedAt: number;
}

export interface Receiver {
  readonly url: string;
  /** Verified, first deliveries only, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** Every request, verified or not, with the status answered. */
  readonly requests: { id: string | undefined; status: number }[];
  /** Requests whose signature did not verify (answered 401). */
  readonly rejected: number;
  failNext(count: number): void;
  /** Resolves once `count` distinct webhooks have been received. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === "string" ? value : "";
};

export async function startReceiver(secret: string, port = 0): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const requests: { id: string | undefined; status: number }[] = [];
  const seen = new Set<string>();
  const waiters: { count: number; resolve: () => void }[] = [];
  let failing = 0;
  let rejected = 0;

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const id = header(request.headers, "webhook-id");
      const answer = (status: number) => {
        requests.push({ id: id || undefined, status });
        response.writeHead(status).end();
      };
      if (failing > 0) {
        failing -= 1;
        return answer(503);
      }
      const body = Buffer.concat(chunks).toString("utf8");
      let payload: ReceivedWebhook["payload"];
      try {
        payload = verifier.verify(body, {
          "webhook-id": id,
          "webhook-timestamp": header(request.headers, "webhook-timestamp"),
          "webhook-signature": header(request.headers, "webhook-signature"),
        }) as ReceivedWebhook["payload"];
      } catch {
        rejected += 1;
        return answer(401);
      }
      if (!seen.has(id)) {
        seen.add(id);
        received.push({
          id,
          timestamp: Number(header(request.headers, "webhook-timestamp")),
          payload,
          receivedAt: Date.now(),
        });
        for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
      }
      answer(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/kycnet-webhooks`,
    received,
    requests,
    get rejected() {
      return rejected;
    },
    failNext(count) {
      failing = count;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`received ${received.length} of ${count} webhooks`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
