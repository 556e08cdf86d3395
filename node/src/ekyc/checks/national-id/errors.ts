/** Typed failures of the national-ID registry check. Each becomes an UNAVAILABLE result. */
import { KycnetError } from "@kycnet/sdk/errors";

/** The overall deadline (or one attempt's timeout) passed before the registry answered. */
export class RegistryTimeoutError extends KycnetError {
  constructor(timeoutMs: number, options: { cause?: unknown } = {}) {
    super("REGISTRY_TIMEOUT", `national-ID registry did not answer within ${timeoutMs} ms`, {
      details: { timeoutMs },
      ...options,
    });
  }
}

/** The registry answered 5xx (or 429) on every attempt. */
export class RegistryServerError extends KycnetError {
  constructor(status: number, attempts: number, options: { cause?: unknown } = {}) {
    super("REGISTRY_SERVER_ERROR", `national-ID registry answered HTTP ${status} (${attempts} attempts)`, {
      details: { status, attempts },
      ...options,
    });
  }
}

/** The connection itself failed (refused, reset, DNS) on every attempt. */
export class RegistryNetworkError extends KycnetError {
  constructor(attempts: number, options: { cause?: unknown } = {}) {
    super("REGISTRY_NETWORK_ERROR", `national-ID registry unreachable (${attempts} attempts)`, {
      details: { attempts },
      ...options,
    });
  }
}

/** The circuit breaker is open: recent calls failed, so we do not load the registry further. */
export class RegistryCircuitOpenError extends KycnetError {
  constructor(retryAfterMs: number) {
    super("REGISTRY_CIRCUIT_OPEN", `national-ID registry circuit open; next trial in ${retryAfterMs} ms`, {
      details: { retryAfterMs },
    });
  }
}

/** The registry answered, but not in the agreed shape (schema, size, content type, status code). */
export class RegistryResponseError extends KycnetError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super("REGISTRY_BAD_RESPONSE", `national-ID registry response rejected: ${reason}`, {
      details: { reason },
      ...options,
    });
  }
}

/** The caller cancelled the check (its own AbortSignal). */
export class RegistryAbortedError extends KycnetError {
  constructor(options: { cause?: unknown } = {}) {
    super("REGISTRY_ABORTED", "national-ID registry check cancelled by the caller", options);
  }
}
