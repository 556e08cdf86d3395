/**
 * `NationalIdRegistry` over HTTP (wire.ts): one POST per attempt to `${baseUrl}/v1/identity/check`.
 * - Idempotent retries: the check is a read; every attempt of one check carries the same
 *   `x-request-id`, and only transient failures (5xx, 429, timeouts, connection errors) are retried,
 *   with exponential backoff (or the registry's Retry-After, if longer).
 * - A deadline bounds the whole check (all attempts and backoff), and each attempt has its own
 *   timeout; the caller's AbortSignal cancels everything.
 * - A circuit breaker stops calling a registry that keeps failing.
 * - Any failure becomes an UNAVAILABLE result carrying a typed error: never a silent pass.
 * - Responses are hostile until proven otherwise: size-capped, JSON only, schema-checked.
 * - mTLS (`tls`): the bank's client certificate and key, and the CA the registry's certificate must
 *   chain to, through an undici Agent given to fetch as its dispatcher.
 *
 * The retry loop is not `cockatiel`'s retry policy (4.0.0): its backoff sleep ignores the
 * AbortSignal (measured: 1,000 ms backoff, signal aborted at 50 ms, execute returned after
 * 1,000 ms), so a caller's cancel or the deadline would wait out a Retry-After of up to 30 s; and
 * its breaker does not fit either (circuit-breaker.ts says why). The loop here is 15 lines.
 */
import { randomUUID } from "node:crypto";
import { Agent, type Dispatcher } from "undici";
import { Value } from "@sinclair/typebox/value";
import { InvalidArgumentError, isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import type { CheckOptions, IdentityCheckResult, IdentityQuery, NationalIdRegistry } from "./port.ts";
import { canonicalQuery } from "./query.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.ts";
import { CHECK_PATH, CheckResponseSchema, MAX_RESPONSE_BYTES, REQUEST_ID_HEADER, type CheckResponse } from "./wire.ts";
import {
  RegistryAbortedError,
  RegistryCircuitOpenError,
  RegistryNetworkError,
  RegistryResponseError,
  RegistryServerError,
  RegistryTimeoutError,
} from "./errors.ts";

export interface HttpNationalIdRegistryOptions {
  /** Registry base URL (http or https), e.g. http://127.0.0.1:7006. */
  baseUrl: string;
  /** Bound on one whole check, all attempts included (default 5,000 ms; the seed quotes 2–5 s). */
  deadlineMs?: number;
  /** Bound on one attempt (default 2,000 ms). */
  attemptTimeoutMs?: number;
  /** Attempts per check, first included (default 3). */
  maxAttempts?: number;
  /** First backoff delay; doubles each retry (default 100 ms). */
  backoffMs?: number;
  /** A breaker shared with other adapters, or options for a private one. */
  circuitBreaker?: CircuitBreaker | CircuitBreakerOptions;
  /** Extra headers, e.g. the bank's API credential for the registry (never logged). */
  headers?: Readonly<Record<string, string>>;
  /** TLS to an https registry: PEM contents of the CA to trust, and of our client certificate and key (mTLS). */
  tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
}

/** Outcome of one attempt: an answer, or a failure that may be worth retrying. */
type Attempt =
  { ok: true; body: CheckResponse } | { ok: false; retryable: boolean; error: KycnetError; retryAfterMs?: number };

/** Upper bound on a server-requested wait; the deadline bounds it further. */
const MAX_RETRY_AFTER_MS = 30_000;

/** `Retry-After` in delta-seconds (the only form a registry should send us), else undefined. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d{1,5}$/.test(header.trim())) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Number(header.trim()) * 1000);
}

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) throw new InvalidArgumentError(name, `must be a number >= ${min}`);
  return value;
}

export class HttpNationalIdRegistry implements NationalIdRegistry {
  readonly #url: URL;
  readonly #deadlineMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(options: HttpNationalIdRegistryOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (cause) {
      throw new InvalidArgumentError("baseUrl", "is not a URL", { cause });
    }
    if (base.protocol !== "http:" && base.protocol !== "https:")
      throw new InvalidArgumentError("baseUrl", "must be http or https");
    this.#url = new URL(CHECK_PATH, base);
    this.#deadlineMs = positive("deadlineMs", options.deadlineMs ?? 5_000, 1);
    this.#attemptTimeoutMs = positive("attemptTimeoutMs", options.attemptTimeoutMs ?? 2_000, 1);
    this.#maxAttempts = Math.floor(positive("maxAttempts", options.maxAttempts ?? 3, 1));
    this.#backoffMs = positive("backoffMs", options.backoffMs ?? 100, 0);
    this.#breaker =
      options.circuitBreaker instanceof CircuitBreaker
        ? options.circuitBreaker
        : new CircuitBreaker(options.circuitBreaker);
    this.#headers = { ...(options.headers ?? {}) };
    if (options.tls !== undefined && base.protocol !== "https:")
      throw new InvalidArgumentError("baseUrl", "must be https when TLS options are given");
    this.#dispatcher = options.tls === undefined ? undefined : new Agent({ connect: { ...options.tls } });
  }

  get circuitBreaker(): CircuitBreaker {
    return this.#breaker;
  }

  async checkIdentity(query: IdentityQuery, options: CheckOptions = {}): Promise<IdentityCheckResult> {
    const canonical = canonicalQuery(query);
    const { portrait, ...fields } = canonical;
    const body = JSON.stringify(
      portrait === undefined ? fields : { ...fields, portrait: Buffer.from(portrait).toString("base64") },
    );
    const admission = this.#breaker.admit();
    if (!admission.admitted) return unavailable(new RegistryCircuitOpenError(admission.retryAfterMs));

    const deadline = AbortSignal.timeout(this.#deadlineMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    const requestId = randomUUID();
    let last: KycnetError | undefined;
    let serverWaitMs = 0;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      // Exponential backoff, or longer if the registry asked for it (Retry-After); never past the deadline.
      if (attempt > 1) await sleep(Math.max(this.#backoffMs * 2 ** (attempt - 2), serverWaitMs), signal);
      if (signal.aborted) break;
      const result = await this.#attempt(body, requestId, signal, attempt);
      if (result.ok) {
        this.#breaker.recordSuccess();
        return toResult(result.body, portrait !== undefined);
      }
      last = result.error;
      serverWaitMs = result.retryAfterMs ?? 0;
      if (!result.retryable) break;
    }
    if (options.signal?.aborted) {
      this.#breaker.release();
      return unavailable(new RegistryAbortedError({ cause: options.signal.reason }));
    }
    this.#breaker.recordFailure();
    if (deadline.aborted) return unavailable(new RegistryTimeoutError(this.#deadlineMs, { cause: last }));
    return unavailable(last ?? new RegistryTimeoutError(this.#deadlineMs));
  }

  async #attempt(body: string, requestId: string, signal: AbortSignal, attempt: number): Promise<Attempt> {
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(this.#attemptTimeoutMs)]);
    let response: Response;
    try {
      response = await fetch(this.#url, {
        ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
        method: "POST",
        headers: {
          ...this.#headers,
          "content-type": "application/json",
          accept: "application/json",
          [REQUEST_ID_HEADER]: requestId,
        },
        body,
        signal: attemptSignal,
        redirect: "error",
      });
    } catch (cause) {
      if (attemptSignal.aborted)
        return { ok: false, retryable: true, error: new RegistryTimeoutError(this.#attemptTimeoutMs, { cause }) };
      return { ok: false, retryable: true, error: new RegistryNetworkError(attempt, { cause }) };
    }
    try {
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        const wait = retryAfterMs(response.headers.get("retry-after"));
        return {
          ok: false,
          retryable: true,
          error: new RegistryServerError(response.status, attempt),
          ...(wait === undefined ? {} : { retryAfterMs: wait }),
        };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { ok: false, retryable: false, error: new RegistryResponseError(`unexpected HTTP ${response.status}`) };
      }
      const parsed = await readJson(response);
      if (!Value.Check(CheckResponseSchema, parsed)) {
        return {
          ok: false,
          retryable: false,
          error: new RegistryResponseError("body does not match the response schema"),
        };
      }
      return { ok: true, body: parsed };
    } catch (cause) {
      if (isKycnetError(cause)) return { ok: false, retryable: false, error: cause };
      if (attemptSignal.aborted)
        return { ok: false, retryable: true, error: new RegistryTimeoutError(this.#attemptTimeoutMs, { cause }) };
      return { ok: false, retryable: true, error: new RegistryNetworkError(attempt, { cause }) };
    }
  }
}

function unavailable(error: KycnetError): IdentityCheckResult {
  return { status: "UNAVAILABLE", code: error.code, error };
}

/**
 * The answer as a result. When a portrait was sent, a registry that does not say it compared the
 * face (an older API, say) answers `faceCompared: false`: its MATCH then never counts for the face.
 */
function toResult(body: CheckResponse, portraitSent: boolean): IdentityCheckResult {
  switch (body.status) {
    case "MATCH":
    case "MISMATCH": {
      const extra = {
        ...(body.suggestedIdNumber === undefined ? {} : { suggestedIdNumber: body.suggestedIdNumber }),
        ...(portraitSent ? { faceCompared: body.faceCompared === true } : {}),
      };
      return body.status === "MATCH"
        ? { status: "MATCH", ...extra }
        : { status: "MISMATCH", fields: [...new Set(body.fields)], ...extra };
    }
    case "NOT_FOUND":
      return { status: "NOT_FOUND" };
    case "CARD_INVALID":
      return { status: "CARD_INVALID", cardStatus: body.cardStatus };
  }
}

/** Reads at most MAX_RESPONSE_BYTES of a JSON body; anything else is a RegistryResponseError. */
async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    await response.body?.cancel();
    throw new RegistryResponseError("content type is not application/json");
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new RegistryResponseError(`body larger than ${MAX_RESPONSE_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as AsyncIterable<unknown>) {
      // Node's fetch types its body stream as ReadableStream<any>; undici yields Uint8Array chunks.
      if (!(chunk instanceof Uint8Array)) throw new RegistryResponseError("body stream yielded a non-byte chunk");
      size += chunk.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        await response.body.cancel().catch(() => undefined);
        throw new RegistryResponseError(`body larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RegistryResponseError("body is not UTF-8 JSON", { cause });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
