/**
 * Readiness: the node is ready when every injected check passes within its timeout (ledger
 * reachable, HSM session open, vault open, ...). Check failures are reported by name; the reason
 * goes to the log, and to the HTTP client only when the check threw a `PublicNotReadyReason` (a
 * message written to be shown: file names, ids, counts; no secret, no personal data).
 */

/** A readiness failure whose message /ready may show (the vault check's findings, for example). */
export class PublicNotReadyReason extends Error {}
export interface ReadinessCheck {
  /** Short name shown in /ready ("ledger", "hsm", "vault"). */
  readonly name: string;
  /** Resolves when healthy; rejects (or resolves false) when not. Must honour the signal. */
  check(signal: AbortSignal): Promise<boolean | void>;
}

export type CheckState = "up" | "down";

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckState>>;
  /** The public reasons of failing checks that have one (see PublicNotReadyReason). */
  readonly reasons: Readonly<Record<string, string>>;
  /** Why each failing check failed, for the log only. */
  readonly failures: readonly { readonly name: string; readonly error: unknown }[];
}

export class CheckTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`readiness check ${name} did not answer within ${timeoutMs} ms`);
  }
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; error?: unknown }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeoutError(check.name, timeoutMs));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([check.check(controller.signal), timeout]);
    return result === false
      ? { ok: false, error: new Error(`readiness check ${check.name} reported not ready`) }
      : { ok: true };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs all checks in parallel, each bounded by `timeoutMs`. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const states: Record<string, CheckState> = {};
  const failures: { name: string; error: unknown }[] = [];
  const reasons: Record<string, string> = {};
  checks.forEach((c, i) => {
    const r = results[i]!;
    states[c.name] = r.ok ? "up" : "down";
    if (!r.ok) failures.push({ name: c.name, error: r.error });
    if (r.error instanceof PublicNotReadyReason) reasons[c.name] = r.error.message;
  });
  return { ready: failures.length === 0, checks: states, reasons, failures };
}
