/**
 * A consecutive-failure circuit breaker. CLOSED: calls go through; `failureThreshold` failures in
 * a row open it. OPEN: calls are refused for `cooldownMs` (the registry gets room to recover and
 * our customers get a fast REVIEW instead of a slow one). HALF_OPEN: one trial call goes through;
 * success closes the circuit, failure opens it again. The clock is injectable for tests.
 *
 * Not `cockatiel`'s circuitBreaker (4.0.0, measured with ConsecutiveBreaker(3), halfOpenAfter
 * 100 ms, Node 22): (1) a second call while the half-open trial is in flight is not refused but
 * waits for the trial (it returned after 301 ms, when the trial ended), so a slow registry would
 * make every customer wait instead of getting a fast REVIEW with `retryAfterMs`; (2) a trial that
 * ends in an error the breaker does not handle (our caller cancelling) counts as a success and
 * CLOSED the circuit, where `release()` here lets another trial decide; (3) it reads Date.now()
 * directly and its BrokenCircuitError carries no time left, so neither the tests' clock nor
 * RegistryCircuitOpenError's retryAfterMs could be kept.
 */
export type CircuitState = "CLOSED" | "OPEN" | "HALF_OPEN";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** How long the circuit stays open before one trial (default 10 s). */
  cooldownMs?: number;
  now?: () => number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #state: CircuitState = "CLOSED";
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1)
      throw new RangeError("failureThreshold must be an integer >= 1");
    if (!(this.#cooldownMs >= 0)) throw new RangeError("cooldownMs must be >= 0");
  }

  get state(): CircuitState {
    if (this.#state === "OPEN" && this.#now() - this.#openedAt >= this.#cooldownMs) return "HALF_OPEN";
    return this.#state;
  }

  /** Asks to make a call. Every admitted call must end in `recordSuccess`, `recordFailure` or `release`. */
  admit(): Admission {
    const state = this.state;
    if (state === "CLOSED") return { admitted: true };
    if (state === "HALF_OPEN" && !this.#trialInFlight) {
      this.#state = "HALF_OPEN";
      this.#trialInFlight = true;
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.max(0, this.#openedAt + this.#cooldownMs - this.#now()) };
  }

  recordSuccess(): void {
    this.#state = "CLOSED";
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  recordFailure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === "HALF_OPEN" || this.#failures >= this.#threshold) {
      this.#state = "OPEN";
      this.#openedAt = this.#now();
    }
  }

  /** An admitted call ended without telling us anything about the registry (caller cancelled). */
  release(): void {
    this.#trialInFlight = false;
  }
}
