/**
 * A registry simulator: a small fastify service that answers the C06-style identity check over
 * HTTP (wire.ts) from a seeded synthetic population, with injectable latency and faults so tests
 * can drive the adapter through timeouts, 5xx, malformed answers and recovery. It listens on
 * 127.0.0.1 (port 0 by default) and is started by tests and `start.ts`.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { CitizenDirectory, type CitizenPhotosLike, type CitizenRecord } from "../citizen.ts";
import type { CardStatus } from "../port.ts";
import { canonicalQuery } from "../query.ts";
import { CHECK_PATH, CheckRequestSchema, MAX_REQUEST_BYTES, REQUEST_ID_HEADER, type CheckRequest } from "../wire.ts";
import { generateCitizens, seededRandom } from "./citizens.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

/**
 * A fault served instead of a normal answer: HTTP 500/503, a hang (until the client gives up or
 * `hangMs`), a 200 whose body breaks the schema, a non-JSON body, or a body over the size limit.
 */
export type SimulatedFault = "SERVER_ERROR" | "SERVICE_UNAVAILABLE" | "HANG" | "MALFORMED" | "NOT_JSON" | "OVERSIZED";

export interface RegistrySimulatorOptions {
  /** Seed of the synthetic population (default 6). */
  seed?: number;
  /** A population to serve, or how many people to generate from `seed` (default 1,000). */
  citizens?: readonly CitizenRecord[] | number;
  /** The registry's photos of citizens (citizen-photos.ts): a query's portrait is compared with them. */
  photos?: CitizenPhotosLike;
  /** Added to every answer (default 0). */
  latencyMs?: number;
  /** Probability in [0, 1] of a random 503 (seeded, reproducible; default 0). */
  failureRate?: number;
  /** Probability in [0, 1] of a random hang (default 0). */
  timeoutRate?: number;
  /** How long a hang lasts at most (default 30 s). */
  hangMs?: number;
  /** `Retry-After` seconds sent with simulated 503s (default: none). */
  retryAfterSeconds?: number;
  host?: string;
  port?: number;
  /** Serve https, and with `ca` require a client certificate that chains to it (mTLS), as a real registry would. */
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer; readonly ca?: string | Buffer };
}

export interface RegistrySimulatorStats {
  /** Requests received on the check route. */
  requests: number;
  /** Requests per idempotency key, to see retries of one check. */
  byRequestId: ReadonlyMap<string, number>;
}

export interface RegistrySimulator {
  readonly citizens: readonly CitizenRecord[];
  /** Base URL once started, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  start(): Promise<string>;
  stop(): Promise<void>;
  /** The citizen's card is reported (lost, stolen) or cancelled from now on: checks answer CARD_INVALID (null: valid again). */
  reportCard(idNumber: string, status: CardStatus | null): void;
  /** Queue faults served to the next requests, in order (then back to normal answers). */
  injectFaults(...faults: SimulatedFault[]): void;
  stats(): RegistrySimulatorStats;
  /** Clears the statistics and any queued faults not served yet. */
  reset(): void;
}

/** The wire request as a query: the portrait's base64 (schema-checked) back to bytes. */
function fromWire(body: unknown): unknown {
  const request = body as CheckRequest;
  if (request.portrait === undefined) return request;
  return { ...request, portrait: new Uint8Array(Buffer.from(request.portrait, "base64")) };
}

export function createRegistrySimulator(options: RegistrySimulatorOptions = {}): RegistrySimulator {
  const seed = options.seed ?? 6;
  const citizens = Array.isArray(options.citizens)
    ? [...(options.citizens as readonly CitizenRecord[])]
    : generateCitizens({ seed, count: typeof options.citizens === "number" ? options.citizens : 1_000 });
  const directory = new CitizenDirectory(citizens);
  const rand = seededRandom(seed ^ 0x5eed);
  const latencyMs = options.latencyMs ?? 0;
  const hangMs = options.hangMs ?? 30_000;
  const faults: SimulatedFault[] = [];
  let requests = 0;
  const byRequestId = new Map<string, number>();
  let url = "";

  const tls = options.tls;
  const https =
    tls === undefined
      ? null
      : { key: tls.key, cert: tls.cert, ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true }) };
  // fastify types its instance by server kind; the simulator only uses what http and https share.
  const app = (https === null
    ? Fastify({ logger: false, bodyLimit: MAX_REQUEST_BYTES, forceCloseConnections: true })
    : Fastify({
        https,
        logger: false,
        bodyLimit: MAX_REQUEST_BYTES,
        forceCloseConnections: true,
      })) as unknown as FastifyInstance;

  app.post(CHECK_PATH, { schema: { body: CheckRequestSchema } }, async (request, reply) => {
    requests++;
    const requestId = request.headers[REQUEST_ID_HEADER];
    if (typeof requestId === "string") byRequestId.set(requestId, (byRequestId.get(requestId) ?? 0) + 1);
    // The response's "close" fires when it is sent or its connection drops (the client gave up);
    // one listener per response, so keep-alive sockets do not collect listeners.
    const closed = new Promise<void>((resolve) => reply.raw.once("close", () => resolve()));
    const wait = (ms: number): Promise<void> =>
      ms <= 0 ? Promise.resolve() : Promise.race([new Promise<void>((r) => setTimeout(r, ms).unref()), closed]);

    await wait(latencyMs);
    let fault = faults.shift();
    if (fault === undefined && options.failureRate !== undefined && rand() < options.failureRate)
      fault = "SERVICE_UNAVAILABLE";
    if (fault === undefined && options.timeoutRate !== undefined && rand() < options.timeoutRate) fault = "HANG";
    switch (fault) {
      case "SERVER_ERROR":
        return reply.code(500).send({ code: "INTERNAL", message: "simulated failure" });
      case "SERVICE_UNAVAILABLE":
        if (options.retryAfterSeconds !== undefined) reply.header("retry-after", String(options.retryAfterSeconds));
        return reply.code(503).send({ code: "UNAVAILABLE", message: "simulated overload" });
      case "HANG":
        await wait(hangMs);
        return reply.code(504).send({ code: "HANG", message: "simulated hang ended" });
      case "MALFORMED":
        return reply.code(200).send({ status: "MAYBE", fields: "fullName" });
      case "NOT_JSON":
        return reply.code(200).type("text/html").send("<html>gateway</html>");
      case "OVERSIZED":
        return reply.code(200).send({ status: "NOT_FOUND", padding: "x".repeat(64 * 1024) });
      case undefined:
        break;
    }
    try {
      const answer = await directory.answerWithFace(canonicalQuery(fromWire(request.body)), options.photos);
      return reply.code(200).send(answer);
    } catch (error) {
      if (isKycnetError(error, "INVALID_ARGUMENT"))
        return reply.code(400).send({ code: error.code, message: error.message });
      throw error;
    }
  });

  return {
    citizens,
    get url() {
      return url;
    },
    async start() {
      const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
      url = address;
      return address;
    },
    async stop() {
      await app.close();
    },
    reportCard(idNumber, status) {
      directory.reportCard(idNumber, status);
    },
    injectFaults(...next) {
      faults.push(...next);
    },
    stats() {
      return { requests, byRequestId: new Map(byRequestId) };
    },
    reset() {
      faults.length = 0;
      requests = 0;
      byRequestId.clear();
    },
  };
}
