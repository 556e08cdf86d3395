/**
 * Operations on a loaded PKCS#11 module run together, except those that create or destroy token
 * objects: each of those runs alone. It waits for the operations in flight, and later callers wait
 * for it; no caller overtakes another, so one that must run alone is not starved.
 *
 * Why: SoftHSM2 2.6's file-backed object store is not safe otherwise. With 4 sessions, 300 rounds of
 * two record keys created beside a seal, a signature, a listing and a key destroyed failed 2 to 9
 * creations (CKR_GENERAL_ERROR, once CKR_TEMPLATE_INCONSISTENT) and 3 to 6 listings
 * (CKR_OBJECT_HANDLE_INVALID) in each of three runs; SoftHSMv2 issue 573 reports the same. With the
 * gate, none failed. Token objects are created and destroyed rarely (a record key per purpose and
 * day), so the wait costs a busy node nothing it would notice. One gate per module, not per session
 * pool: the key managers and the provisioning of one process (two nodes in a test) share it. It holds
 * back nothing in another process: SoftHSM2's own file locks are all there is between processes.
 *
 * Hand-written: the packages already installed (p-queue, p-limit) limit how many run, not which run
 * together; this is a reader-writer lock in 50 lines.
 */
export class TokenGate {
  readonly #waiting: Array<{ readonly alone: boolean; readonly enter: () => void }> = [];
  #running = 0;
  #alone = false;

  /**
   * Runs `operation` once the gate lets it in: `alone` when it creates or destroys token objects.
   * A caller the gate can let in at once starts synchronously, as without the gate, so an operation
   * called before its key manager closes is one in flight.
   */
  run<T>(alone: boolean, operation: () => Promise<T>): Promise<T> {
    if (this.#waiting.length === 0 && this.#mayEnter(alone)) {
      this.#enter(alone);
      return this.#inside(operation);
    }
    return new Promise<void>((enter) => this.#waiting.push({ alone, enter })).then(() => this.#inside(operation));
  }

  async #inside<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } finally {
      this.#running -= 1;
      this.#alone = false;
      this.#admit();
    }
  }

  #mayEnter(alone: boolean): boolean {
    return alone ? this.#running === 0 : !this.#alone;
  }

  #enter(alone: boolean): void {
    this.#running += 1;
    this.#alone = alone;
  }

  /** Lets waiting callers in, in order, while the first in line may run. */
  #admit(): void {
    for (let next = this.#waiting[0]; next !== undefined && this.#mayEnter(next.alone); next = this.#waiting[0]) {
      this.#waiting.shift();
      this.#enter(next.alone);
      next.enter();
    }
  }
}
