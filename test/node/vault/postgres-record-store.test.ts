/**
 * The PostgreSQL RecordStore beyond the port's compliance suite (record-store.test.ts runs that):
 * byte order under a locale-aware database, paging, migrations under concurrent opens, and the
 * faults of a database that is down at open or lost while running. All against a real PostgreSQL.
 */
import { createServer, type Server } from "node:net";
import { expect } from "chai";
import pg from "pg";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { RecordStore, WriteOp } from "../../../node/src/vault/store/record-store.ts";
import { prefixUpperBound } from "../../../node/src/vault/store/postgres/key-range.ts";
import { loadMigrations, type Migration } from "../../../node/src/vault/store/postgres/migrations.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import { expectCode } from "../../support/expect-code.ts";
import { createTestDatabase, sharedPostgres } from "../../support/postgres.ts";

const MIGRATIONS = loadMigrations(new URL("../../../node/src/vault/store/postgres/migrations/", import.meta.url));

const keysOf = async (store: RecordStore, options: Parameters<RecordStore["range"]>[0]) => {
  const out: string[] = [];
  for await (const [key] of store.range(options)) out.push(key);
  return out;
};

async function withClient<T>(connectionString: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => undefined); // the fault tests kill the server under it
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );

describe("PostgreSQL record store", () => {
  const open: RecordStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  const track = (store: RecordStore) => (open.push(store), store);

  describe("key order", () => {
    it("orders keys by UTF-8 bytes even when the database's collation is locale-aware (ICU en-US)", async () => {
      const store = track(
        await openPostgresRecordStore({ connectionString: await createTestDatabase({ icuLocale: "en-US" }) }),
      );
      // en-US would give a/b, A/c, é, z; bytes give A/c (0x41) < a/b (0x61) < z (0x7a) < é (0xc3 0xa9).
      const keys = ["k/z", "k/é", "k/a/b", "k/A/c", "k/a-a"];
      await store.write(keys.map((key) => ({ type: "put", key, value: key })));
      expect(await keysOf(store, { prefix: "k/" })).to.deep.equal(["k/A/c", "k/a-a", "k/a/b", "k/z", "k/é"]);
      expect(await keysOf(store, { prefix: "k/a" })).to.deep.equal(["k/a-a", "k/a/b"]);
    });

    it("pages through more rows than one query fetches, forwards and in reverse, with after and limit", async () => {
      const store = track(await openPostgresRecordStore({ connectionString: await createTestDatabase() }));
      const keys = Array.from({ length: 1_234 }, (_, i) => `p/${String(i).padStart(5, "0")}`);
      await store.write([
        ...keys.map((key): WriteOp => ({ type: "put", key, value: { key } })),
        { type: "put", key: "q/0", value: 0 },
      ]);
      expect(await keysOf(store, { prefix: "p/" })).to.deep.equal(keys);
      expect(await keysOf(store, { prefix: "p/", reverse: true })).to.deep.equal([...keys].reverse());
      expect(await keysOf(store, { prefix: "p/", after: keys[600], limit: 700 })).to.deep.equal(keys.slice(601, 1_234));
      expect(await keysOf(store, { prefix: "p/", after: keys[10], reverse: true, limit: 3 })).to.deep.equal(
        keys.slice(-3).reverse(),
      );
    });

    it("keeps the last op on a key when one write names it twice, as a LevelDB batch does", async () => {
      const store = track(await openPostgresRecordStore({ connectionString: await createTestDatabase() }));
      await store.write([{ type: "put", key: "d/1", value: 1 }]);
      await store.write([
        { type: "del", key: "d/1" },
        { type: "put", key: "d/1", value: "again" },
        { type: "put", key: "d/2", value: 2 },
        { type: "del", key: "d/2" },
      ]);
      expect(await store.get("d/1")).to.equal("again");
      expect(await store.get("d/2")).to.equal(undefined);
    });

    it("bounds a prefix by the next code point (UTF-8 byte order), and has no bound for an empty prefix", () => {
      expect(prefixUpperBound("record/")).to.equal("record0");
      expect(prefixUpperBound("a\u{10ffff}")).to.equal("b");
      expect(prefixUpperBound("x\ud7ff")).to.equal("x\ue000");
      expect(prefixUpperBound("")).to.equal(undefined);
    });
  });

  describe("migrations", () => {
    it("migrates once when several instances open a fresh database at the same time", async () => {
      const connectionString = await createTestDatabase();
      // A slow migration that counts its runs: without the lock, every opener would run it.
      const counted: Migration[] = [
        ...MIGRATIONS,
        {
          version: MIGRATIONS.length + 1,
          name: "probe",
          sql: "CREATE TABLE probe (n int); INSERT INTO probe VALUES (1); SELECT pg_sleep(0.3);",
        },
      ];
      const stores = await Promise.all(
        Array.from({ length: 5 }, () => openPostgresRecordStore({ connectionString, migrations: counted })),
      );
      stores.forEach(track);
      await withClient(connectionString, async (client) => {
        expect((await client.query("SELECT count(*)::int AS n FROM probe")).rows[0].n).to.equal(1);
        const applied = await client.query("SELECT version FROM schema_migrations ORDER BY version");
        expect(applied.rows.map((r) => r.version)).to.deep.equal(counted.map((m) => m.version));
      });
      await stores[0]!.write([{ type: "put", key: "after-migration", value: true }]);
      expect(await stores[4]!.get("after-migration")).to.equal(true);
    });

    it("commits synchronously even where the database's default is synchronous_commit = off", async () => {
      const connectionString = await createTestDatabase();
      const database = new URL(connectionString).pathname.slice(1);
      await withClient(connectionString, (c) => c.query(`ALTER DATABASE "${database}" SET synchronous_commit = off`));
      // A migration runs on one of the store's own connections: it records that session's setting.
      const probe: Migration[] = [
        ...MIGRATIONS,
        {
          version: MIGRATIONS.length + 1,
          name: "probe",
          sql: "CREATE TABLE probe AS SELECT current_setting('synchronous_commit') AS setting;",
        },
      ];
      track(await openPostgresRecordStore({ connectionString, migrations: probe }));
      await withClient(connectionString, async (client) => {
        expect((await client.query("SELECT current_setting('synchronous_commit') AS s")).rows[0].s).to.equal("off");
        expect((await client.query("SELECT setting FROM probe")).rows[0].setting).to.equal("on");
      });
    });

    it("refuses a database migrated by a newer node, and an applied migration whose text changed", async () => {
      const connectionString = await createTestDatabase();
      const newer: Migration[] = [
        ...MIGRATIONS,
        { version: MIGRATIONS.length + 1, name: "future", sql: "CREATE TABLE future (n int);" },
      ];
      track(await openPostgresRecordStore({ connectionString, migrations: newer }));
      const error = await expectCode(openPostgresRecordStore({ connectionString }), "STORE_SCHEMA_MISMATCH");
      expect(error.message).to.contain("newer node");
      const edited: Migration[] = [...MIGRATIONS, { ...newer.at(-1)!, sql: "CREATE TABLE future (n bigint);" }];
      expect(
        (await expectCode(openPostgresRecordStore({ connectionString, migrations: edited }), "STORE_SCHEMA_MISMATCH"))
          .message,
      ).to.contain("changed");
    });
  });

  describe("when PostgreSQL is down at open", () => {
    it("fails at once with STORE_UNAVAILABLE naming host:port when nothing listens there", async () => {
      const probe = createServer();
      const port = await listen(probe);
      await new Promise((resolve) => probe.close(resolve));
      const started = performance.now();
      const error = await expectCode(
        openPostgresRecordStore({ connectionString: `postgresql://u:secret@127.0.0.1:${port}/kycnet` }),
        "STORE_UNAVAILABLE",
      );
      expect(error.message).to.contain(`127.0.0.1:${port}`).and.not.contain("secret");
      expect(performance.now() - started).to.be.below(2_000);
    });

    it("times out instead of hanging when the server accepts the connection but never answers", async () => {
      const silent = createServer(() => undefined); // accepts TCP, says nothing
      const port = await listen(silent);
      try {
        const started = performance.now();
        const error = await expectCode(
          openPostgresRecordStore({
            connectionString: `postgresql://u:p@127.0.0.1:${port}/kycnet`,
            connectTimeoutMs: 300,
          }),
          "STORE_UNAVAILABLE",
        );
        expect(error.message).to.contain(`127.0.0.1:${port}`);
        expect(performance.now() - started).to.be.within(250, 3_000);
      } finally {
        silent.close();
        silent.unref();
      }
    });
  });

  describe("when a statement cannot finish", () => {
    it("gives up after queryTimeoutMs with STORE_UNAVAILABLE and leaves nothing of the write", async () => {
      const connectionString = await createTestDatabase();
      const store = track(await openPostgresRecordStore({ connectionString, queryTimeoutMs: 400 }));
      await withClient(connectionString, async (blocker) => {
        await blocker.query("BEGIN");
        await blocker.query(`INSERT INTO vault_entries (key, value) VALUES ('t/2', '"blocker"')`);
        const started = performance.now();
        const batch: WriteOp[] = ["t/1", "t/2"].map((key) => ({ type: "put", key, value: key }));
        await expectCode(store.write(batch), "STORE_UNAVAILABLE");
        expect(performance.now() - started).to.be.within(350, 3_000);
        await blocker.query("ROLLBACK");
      });
      expect(await store.get("t/1")).to.equal(undefined);
      expect(await store.get("t/2")).to.equal(undefined);
    });
  });

  describe("several instances on one database", () => {
    it("serialises exclusive writes of one lock across pools, as across node instances: no lost update", async () => {
      const connectionString = await createTestDatabase();
      const instances = [
        track(await openPostgresRecordStore({ connectionString })),
        track(await openPostgresRecordStore({ connectionString })),
        track(await openPostgresRecordStore({ connectionString })),
      ];
      const increment = (store: RecordStore) =>
        store.writeExclusive("counter", async () => {
          const n = ((await store.get("counter")) as number | undefined) ?? 0;
          await new Promise((resolve) => setTimeout(resolve, 2));
          return { ops: [{ type: "put", key: "counter", value: n + 1 }], result: n + 1 };
        });
      const results = await Promise.all(Array.from({ length: 45 }, (_, i) => increment(instances[i % 3]!)));
      expect(new Set(results).size).to.equal(45);
      expect(await instances[0]!.get("counter")).to.equal(45);
    });
  });

  describe("when PostgreSQL is lost while running", () => {
    it("refuses reads and writes with STORE_UNAVAILABLE, keeps committed writes, and recovers by itself", async () => {
      const cluster = await sharedPostgres();
      const store = track(
        await openPostgresRecordStore({ connectionString: await createTestDatabase(), connectTimeoutMs: 1_000 }),
      );
      await store.write([{ type: "put", key: "before", value: "committed" }]);
      await cluster.stop("immediate"); // a crash: no clean shutdown, recovery from the WAL at start
      try {
        await expectCode(store.write([{ type: "put", key: "during", value: 1 }]), "STORE_UNAVAILABLE");
        await expectCode(store.get("before"), "STORE_UNAVAILABLE");
      } finally {
        await cluster.start();
      }
      expect(await store.get("before")).to.equal("committed");
      expect(await store.get("during")).to.equal(undefined);
      await store.write([{ type: "put", key: "after", value: 2 }]);
      expect(await store.get("after")).to.equal(2);
    });

    it("leaves nothing of a write that the crash cut mid-transaction", async () => {
      const cluster = await sharedPostgres();
      const connectionString = await createTestDatabase();
      const store = track(await openPostgresRecordStore({ connectionString, connectTimeoutMs: 1_000 }));
      await store.write([{ type: "put", key: "m/0", value: "kept" }]);
      // A delete and puts: the adapter runs them as two statements, so only the transaction holds them together.
      const batch: WriteOp[] = [
        { type: "del", key: "m/0" },
        ...["m/1", "m/2", "m/3", "m/4"].map((key): WriteOp => ({ type: "put", key, value: key })),
      ];
      const blocker = new pg.Client({ connectionString });
      blocker.on("error", () => undefined);
      await blocker.connect();
      let pending: Promise<unknown> | undefined;
      try {
        // Another transaction's uncommitted row m/3 makes the write wait there, after it has already
        // deleted m/0 and inserted m/1 and m/2: the crash then hits a half-done transaction.
        await blocker.query("BEGIN");
        await blocker.query(`INSERT INTO vault_entries (key, value) VALUES ('m/3', '"blocker"')`);
        pending = store.write(batch).then(
          () => "resolved",
          (error: unknown) => error,
        );
        await waitFor(
          async () => (await blocker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted")).rows[0].n > 0,
        );
        await cluster.stop("immediate");
      } finally {
        await cluster.start();
        await blocker.end().catch(() => undefined);
      }
      const outcome = await pending;
      expect(isKycnetError(outcome, "STORE_UNAVAILABLE"), `the cut write: ${String(outcome)}`).to.equal(true);
      expect(await store.get("m/0")).to.equal("kept");
      for (const key of ["m/1", "m/2", "m/3", "m/4"]) expect(await store.get(key), key).to.equal(undefined);
      await store.write(batch);
      expect(await store.get("m/0")).to.equal(undefined);
      expect(await store.get("m/4")).to.equal("m/4");
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
