/**
 * A fixed pool of PKCS#11 sessions on one token. A session runs one operation at a time, so each
 * caller borrows a session for the duration of its operation; with N sessions, N operations run in
 * the module's own threads at once (pkcs11js' *Async calls), and further callers queue in order.
 * Login happens once, on the first session, and covers every session of the process on the token.
 * Every operation passes the module's gate first (token-gate.ts): `useAlone` for one that creates or
 * destroys token objects.
 */
import pkcs11js from "pkcs11js";
import { KeyManagerClosedError } from "../errors.ts";
import { toHsmError } from "./rv.ts";
import type { TokenGate } from "./token-gate.ts";

export class SessionPool {
  readonly #pkcs11: pkcs11js.PKCS11;
  readonly #sessions: Buffer[];
  readonly #idle: Buffer[];
  readonly #waiting: Array<{ resolve: (session: Buffer) => void; reject: (error: Error) => void }> = [];
  #busy = 0;
  #closed = false;
  #drained: (() => void) | null = null;

  readonly #slot: Buffer;
  readonly #gate: TokenGate;

  private constructor(pkcs11: pkcs11js.PKCS11, gate: TokenGate, slot: Buffer, sessions: Buffer[]) {
    this.#pkcs11 = pkcs11;
    this.#gate = gate;
    this.#slot = slot;
    this.#sessions = sessions;
    this.#idle = [...sessions];
  }

  /** Opens `size` sessions on `slot`; `onFirst` runs on the first one (login); all are closed if anything fails. */
  static open(
    module: { readonly pkcs11: pkcs11js.PKCS11; readonly gate: TokenGate },
    slot: Buffer,
    size: number,
    onFirst: (session: Buffer) => void,
  ): SessionPool {
    const { pkcs11 } = module;
    const sessions: Buffer[] = [];
    try {
      for (let i = 0; i < size; i++)
        sessions.push(pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION));
      onFirst(sessions[0]!);
    } catch (error) {
      for (const s of sessions) closeQuietly(pkcs11, s);
      throw toHsmError("C_OpenSession", error);
    }
    return new SessionPool(pkcs11, module.gate, slot, sessions);
  }

  get size(): number {
    return this.#sessions.length;
  }

  /** Runs `operation` with a borrowed session; the session returns to the pool whatever happens. */
  use<T>(operation: (session: Buffer) => Promise<T> | T): Promise<T> {
    return this.#gate.run(false, () => this.#withSession(operation));
  }

  /** As `use`, alone on the module: for an operation that creates or destroys token objects. */
  useAlone<T>(operation: (session: Buffer) => Promise<T> | T): Promise<T> {
    return this.#gate.run(true, () => this.#withSession(operation));
  }

  async #withSession<T>(operation: (session: Buffer) => Promise<T> | T): Promise<T> {
    let session = await this.#acquire();
    try {
      return await operation(session);
    } catch (error) {
      // A failed call may leave an operation active on the session (CKR_OPERATION_ACTIVE for the
      // next caller): swap it for a fresh one. Login is per token, so the new session is logged in.
      session = this.#replace(session);
      throw error;
    } finally {
      this.#release(session);
    }
  }

  /** Waits for operations in flight, then closes every session. Queued callers get KEY_MANAGER_CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new KeyManagerClosedError());
    if (this.#busy > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    for (const s of this.#sessions) closeQuietly(this.#pkcs11, s);
  }

  #replace(session: Buffer): Buffer {
    let fresh: Buffer;
    try {
      fresh = this.#pkcs11.C_OpenSession(this.#slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    } catch {
      return session; // keep the old one: better a possibly busy session than a shrinking pool
    }
    closeQuietly(this.#pkcs11, session);
    this.#sessions[this.#sessions.indexOf(session)] = fresh;
    return fresh;
  }

  #acquire(): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new KeyManagerClosedError());
    const session = this.#idle.pop();
    if (session) {
      this.#busy += 1;
      return Promise.resolve(session);
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #release(session: Buffer): void {
    const next = this.#waiting.shift();
    if (next) {
      next.resolve(session);
      return;
    }
    this.#busy -= 1;
    this.#idle.push(session);
    if (this.#closed && this.#busy === 0) this.#drained?.();
  }
}

function closeQuietly(pkcs11: pkcs11js.PKCS11, session: Buffer): void {
  try {
    pkcs11.C_CloseSession(session);
  } catch {
    // Already closed or the token is gone: nothing left to release.
  }
}
