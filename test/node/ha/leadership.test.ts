/**
 * The anchoring leader election on a real PostgreSQL: one leader among instances, fencing of a
 * stale leader in the transaction that claims work, and failover when the leader's connection dies.
 */
import { expect } from "chai";
import pg from "pg";
import { postgresLeadership, readLeaderTerm, type Leadership } from "../../../node/src/ha/leadership.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { expectCode } from "../../support/expect-code.ts";
import { createTestDatabase } from "../../support/postgres.ts";

const until = async (what: string, ok: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("node/ha anchoring leader election (PostgreSQL)", function () {
  this.timeout(60_000);
  const stores: RecordStore[] = [];
  const elections: Leadership[] = [];
  afterEach(async () => {
    await Promise.all(elections.splice(0).map((e) => e.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function instances(n: number, connectionString: string) {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const store = await openPostgresRecordStore({ connectionString });
        stores.push(store);
        const leadership = postgresLeadership({ connectionString, store, pollMs: 100 });
        elections.push(leadership);
        const terms: Array<number | null> = [];
        leadership.start((term) => terms.push(term));
        return { store, leadership, terms };
      }),
    );
  }

  it("elects exactly one leader, with a stored term naming it, and fences everyone else's claims", async () => {
    const connectionString = await createTestDatabase();
    const all = await instances(3, connectionString);
    await until("a leader", () => all.some((i) => i.leadership.term !== null));
    await new Promise((resolve) => setTimeout(resolve, 500)); // several polls of the followers
    const leaders = all.filter((i) => i.leadership.term !== null);
    expect(leaders).to.have.length(1);
    const leader = leaders[0]!;
    expect(await readLeaderTerm(leader.store)).to.include({
      term: leader.leadership.term,
      holder: leader.leadership.holder,
    });

    await leader.leadership.fencedWrite([{ type: "put", key: "claimed/1", value: 1 }]);
    const follower = all.find((i) => i !== leader)!;
    await expectCode(follower.leadership.fencedWrite([{ type: "put", key: "claimed/2", value: 2 }]), "NOT_LEADER");
    expect(await follower.store.get("claimed/2")).to.equal(undefined);
  });

  it("fails over within a second when the leader's connection dies, and the old term can no longer claim", async () => {
    const connectionString = await createTestDatabase();
    const all = await instances(2, connectionString);
    await until("a leader", () => all.some((i) => i.leadership.term !== null));
    const old = all.find((i) => i.leadership.term !== null)!;
    const next = all.find((i) => i !== old)!;
    const oldTerm = old.leadership.term!;

    // What kill -9 of the leader does to its election connection: the server ends the session and
    // frees the lock. Here the process lives on, as a stale leader that may try to claim.
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    const started = Date.now();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()",
      );
    } finally {
      await admin.end();
    }
    await until("the follower to lead", () => next.leadership.term !== null);
    const failoverMs = Date.now() - started;
    expect(failoverMs).to.be.below(1_000);
    expect(next.leadership.term).to.equal(oldTerm + 1);
    await until("the old leader to notice", () => old.leadership.term === null);
    await expectCode(old.leadership.fencedWrite([{ type: "put", key: "stale", value: 1 }]), "NOT_LEADER");
    expect(await next.store.get("stale")).to.equal(undefined);
    expect(old.terms).to.deep.equal([oldTerm, null]);
  });
});
