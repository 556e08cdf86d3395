/**
 * One anchoring writer per bank, however many instances of its node run.
 *
 * - Election: on PostgreSQL, the leader is the instance holding a session-level advisory lock on a
 *   dedicated connection (not a pooled one). The server releases the lock when that connection
 *   ends, so a killed instance (kill -9, machine lost) frees it at once, and another instance,
 *   trying every `pollMs`, takes over within about `pollMs`.
 * - Fencing: winning the lock bumps a term stored in the vault (`leader/term`), under the store's
 *   `leader` lock. Work that must come from the leader alone (claiming outbox entries for a batch)
 *   is written with `fencedWrite`, which re-reads the term under the same lock, in the same
 *   transaction, and refuses with NOT_LEADER if it is no longer ours. A stale leader (its
 *   connection cut, not yet noticed) therefore cannot claim anything once another instance leads.
 * - LevelDB: one process owns the vault, so it is always the leader (`soleLeadership`).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { KycnetError } from "@kycnet/sdk/errors";
import type { RecordStore, StoredValue, WriteOp } from "../vault/store/record-store.ts";

export const LEADER_LOCK = "leader";
const TERM_KEY = "leader/term";
/** Advisory lock keys: a space of our own (as the store's locks) and the election's id. */
const ELECTION_LOCK_SPACE = 0x6b796331; // "kyc1"
const ELECTION_LOCK_ID = 0x6c656164; // "lead"

export class NotLeaderError extends KycnetError {
  constructor(reason: string) {
    super("NOT_LEADER", `this instance is not the bank's anchoring leader: ${reason}`, { details: { reason } });
  }
}

export interface LeaderTerm {
  readonly term: number;
  readonly holder: string;
  readonly since: string;
}

export interface Leadership {
  /** This instance's id in `leader/term` (random per start). */
  readonly holder: string;
  /** The term this instance leads, or null. */
  readonly term: number | null;
  /** Writes `ops` only if this instance still leads, checked in the same transaction: else NOT_LEADER. */
  fencedWrite(ops: readonly WriteOp[]): Promise<void>;
  /** Starts campaigning; `onChange` hears every gain (term) and loss (null). */
  start(onChange: (term: number | null) => void): void;
  /** Stops campaigning and gives up the lead (closes the election connection). */
  stop(): Promise<void>;
}

export async function readLeaderTerm(store: RecordStore): Promise<LeaderTerm | null> {
  const value = (await store.get(TERM_KEY)) as unknown as LeaderTerm | undefined;
  return value ?? null;
}

function termFencing(store: RecordStore, holder: string, current: () => number | null) {
  /** Bumps the stored term for `holder`: the previous leader's fenced writes fail from now on. */
  const claimTerm = () =>
    store.writeExclusive(LEADER_LOCK, async () => {
      const previous = await readLeaderTerm(store);
      const next: LeaderTerm = { term: (previous?.term ?? 0) + 1, holder, since: new Date().toISOString() };
      return { ops: [{ type: "put", key: TERM_KEY, value: next as unknown as StoredValue }], result: next.term };
    });
  const fencedWrite = (ops: readonly WriteOp[]) =>
    store.writeExclusive(LEADER_LOCK, async () => {
      const mine = current();
      if (mine === null) throw new NotLeaderError("it does not hold the lead");
      const stored = await readLeaderTerm(store);
      if (stored?.term !== mine || stored.holder !== holder)
        throw new NotLeaderError(`term ${mine} was superseded by term ${stored?.term ?? "none"}`);
      return { ops, result: undefined };
    });
  return { claimTerm, fencedWrite };
}

/** LevelDB: one process owns the vault, so it leads from start to stop. */
export function soleLeadership(store: RecordStore): Leadership {
  const holder = `sole-${randomBytes(6).toString("hex")}`;
  let term: number | null = null;
  const { claimTerm, fencedWrite } = termFencing(store, holder, () => term);
  return {
    holder,
    get term() {
      return term;
    },
    fencedWrite,
    start(onChange) {
      void claimTerm().then(
        (t) => {
          term = t;
          onChange(t);
        },
        // The store failed at start: the anchoring worker simply does not run until restart;
        // /ready reports the vault down meanwhile.
        () => onChange(null),
      );
    },
    async stop() {
      term = null;
    },
  };
}

export interface PostgresLeadershipOptions {
  readonly connectionString: string;
  readonly store: RecordStore;
  /** How often a follower tries the lock and a leader checks its connection (default 500 ms). */
  readonly pollMs?: number;
  readonly connectTimeoutMs?: number;
  /** Failures of the election connection (logged by the caller; the election retries). */
  readonly onError?: (error: unknown) => void;
}

/** PostgreSQL: the advisory-lock election described in the header. */
export function postgresLeadership(options: PostgresLeadershipOptions): Leadership {
  const pollMs = options.pollMs ?? 500;
  const holder = `pg-${randomBytes(6).toString("hex")}`;
  let term: number | null = null;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let listener: (term: number | null) => void = () => undefined;
  const { claimTerm, fencedWrite } = termFencing(options.store, holder, () => term);

  const setTerm = (next: number | null) => {
    if (next === term) return;
    term = next;
    listener(next);
  };
  const dropConnection = () => {
    const old = client;
    client = null;
    setTerm(null);
    // Ending the connection releases the session lock on the server (if it still sees us).
    void old?.end().catch(() => undefined);
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
      // The election's queries are tiny; a server that does not answer them within this is lost.
      query_timeout: Math.max(2_000, pollMs * 4),
    });
    // Losing the connection loses the lock: stop leading at once, before the next poll.
    c.on("error", (error) => {
      options.onError?.(error);
      if (client === c) dropConnection();
    });
    c.on("end", () => {
      if (client === c) dropConnection();
    });
    await c.connect();
    return c;
  };

  const poll = async () => {
    // A local reference: a lost connection sets `client` to null while this poll awaits.
    const c = client ?? (client = await connect());
    if (term !== null) {
      await c.query("SELECT 1"); // still connected, so still holding the lock
      return;
    }
    const { rows } = await c.query<{ won: boolean }>("SELECT pg_try_advisory_lock($1::int4, $2::int4) AS won", [
      ELECTION_LOCK_SPACE,
      ELECTION_LOCK_ID,
    ]);
    if (rows[0]?.won !== true) return;
    let won: number;
    try {
      won = await claimTerm();
    } catch (error) {
      // Holding the lock without a term would block every other instance: let it go and retry.
      await c.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [ELECTION_LOCK_SPACE, ELECTION_LOCK_ID]);
      throw error;
    }
    // The connection may have died while the term was written: then the lock is gone too.
    if (client === c && !stopped) setTerm(won);
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      poll().then(
        () => schedule(pollMs),
        (error: unknown) => {
          options.onError?.(error);
          dropConnection();
          schedule(pollMs);
        },
      );
    }, ms);
    timer.unref?.();
  };

  return {
    holder,
    get term() {
      return term;
    },
    fencedWrite,
    start(onChange) {
      if (!stopped) return;
      listener = onChange;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const old = client;
      client = null;
      setTerm(null);
      await old?.end().catch(() => undefined);
    },
  };
}
