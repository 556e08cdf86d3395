/** Builds the real app over fake services, with one API key per role, for inject() tests. */
import { collectionConsent } from "@kycnet/sdk/customer";
import { Writable } from "node:stream";
import { buildApp } from "../../../node/src/api/app.ts";
import { generateApiKey } from "../../../node/src/api/auth.ts";
import { apiConfig, type ApiConfig } from "../../../node/src/api/config.ts";
import type { ApiInstance } from "../../../node/src/api/route-context.ts";
import type { Role } from "../../../node/src/onboarding/ports.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createMetrics, type Metrics } from "../../../node/src/observability/metrics.ts";
import type { ReadinessCheck } from "../../../node/src/observability/readiness.ts";
import { createFakeServices, type Clock, type FakeServices } from "./fakes.ts";

export interface Harness {
  readonly app: ApiInstance;
  readonly services: FakeServices;
  readonly metrics: Metrics;
  readonly keys: Readonly<Record<Role, string>>;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log text (to search for leaks). */
  logText(): string;
  auth(role: Role): { authorization: string };
}

export interface HarnessOptions {
  readonly config?: Partial<Omit<ApiConfig, "apiKeys">>;
  readonly readinessChecks?: readonly ReadinessCheck[];
  readonly clock?: Clock;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const roles: Role[] = ["operator", "reviewer", "auditor", "core-banking"];
  const generated = roles.map((role) => ({ role, ...generateApiKey(`${role}-1`, role) }));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: "info" }, sink);
  const metrics = createMetrics({ processMetrics: false });
  const services = createFakeServices(options.clock);
  const config = apiConfig({ ...options.config, apiKeys: generated.map((g) => g.entry) });
  const app = await buildApp({ services, metrics, logger, readinessChecks: options.readinessChecks ?? [] }, config);
  const keys = Object.fromEntries(generated.map((g) => [g.role, g.key])) as Record<Role, string>;
  return {
    app,
    services,
    metrics,
    keys,
    get logs() {
      return lines
        .join("")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join(""),
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
  };
}

/** A tiny but real JPEG header followed by filler: enough for the magic-byte check. */
export function fakeJpeg(size = 1024): Buffer {
  const b = Buffer.alloc(size, 0x11);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  b[3] = 0xe0;
  return b;
}

export function fakePng(size = 1024): Buffer {
  const b = Buffer.alloc(size, 0x22);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
}

/** A customer's per-attestation key address, for session creation. */
export const SUBJECT = "0x00000000000000000000000000000000000000a1";
export const NEW_SESSION_BODY = { subject: SUBJECT };
/** The customer's consent to the collection, which a full-eKYC session needs before any image. */
export const CONSENT_BODY = collectionConsent({ version: "test-notice-1" });

export const PROBLEM_KEYS = ["code", "detail", "instance", "status", "title", "type"];
