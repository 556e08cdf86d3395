/** One behaviour suite for every RecordStore adapter (LevelDB on disk, memory, PostgreSQL). */
import { expect } from "chai";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";

export function describeRecordStoreCompliance(
  name: string,
  open: () => Promise<{ store: RecordStore; reopen?: () => Promise<RecordStore> }>,
) {
  describe(`RecordStore compliance: ${name}`, () => {
    let store: RecordStore;
    let reopen: (() => Promise<RecordStore>) | undefined;
    beforeEach(async () => {
      ({ store, reopen } = await open());
    });
    afterEach(async () => {
      await store.close().catch(() => undefined);
    });

    it("returns undefined for a missing key and the stored JSON value for a present one", async () => {
      expect(await store.get("nope")).to.equal(undefined);
      await store.write([{ type: "put", key: "a", value: { n: 1, list: ["x", null, true] } }]);
      expect(await store.get("a")).to.deep.equal({ n: 1, list: ["x", null, true] });
    });

    it("applies puts and deletes of one write together", async () => {
      await store.write([
        { type: "put", key: "k/1", value: 1 },
        { type: "put", key: "k/2", value: 2 },
      ]);
      await store.write([
        { type: "del", key: "k/1" },
        { type: "put", key: "k/3", value: 3 },
      ]);
      expect(await store.get("k/1")).to.equal(undefined);
      expect(await store.get("k/3")).to.equal(3);
    });

    it("ranges over one prefix in key order, with paging and reverse", async () => {
      await store.write(
        ["p/03", "p/01", "q/00", "p/02", "pp/9"].map((key) => ({ type: "put" as const, key, value: key })),
      );
      const keys = async (o: Parameters<RecordStore["range"]>[0]) => {
        const out: string[] = [];
        for await (const [k] of store.range(o)) out.push(k);
        return out;
      };
      expect(await keys({ prefix: "p/" })).to.deep.equal(["p/01", "p/02", "p/03"]);
      expect(await keys({ prefix: "p/", after: "p/01", limit: 1 })).to.deep.equal(["p/02"]);
      expect(await keys({ prefix: "p/", reverse: true, limit: 2 })).to.deep.equal(["p/03", "p/02"]);
    });

    it("runs read-modify-writes of one lock one at a time, so no increment is lost", async () => {
      const increment = () =>
        store.writeExclusive("counter", async () => {
          const n = ((await store.get("counter")) as number | undefined) ?? 0;
          await new Promise((resolve) => setTimeout(resolve, 1)); // let the others try to overlap
          return { ops: [{ type: "put", key: "counter", value: n + 1 }], result: n + 1 };
        });
      const results = await Promise.all(Array.from({ length: 20 }, increment));
      expect([...results].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.get("counter")).to.equal(20);
    });

    it("writes nothing of an exclusive write whose build fails, passes its error through, and goes on", async () => {
      const refused = new Error("refused by the caller");
      const error = await store
        .writeExclusive("l", async () => {
          throw refused;
        })
        .catch((e: unknown) => e);
      expect(error).to.equal(refused);
      expect(
        await store.writeExclusive("l", async () => ({ ops: [{ type: "put", key: "x", value: 1 }], result: 7 })),
      ).to.equal(7);
      expect(await store.get("x")).to.equal(1);
    });

    it("does not let a caller mutate stored values through returned objects", async () => {
      await store.write([{ type: "put", key: "o", value: { a: 1 } }]);
      const got = (await store.get("o")) as { a: number };
      got.a = 2;
      expect(await store.get("o")).to.deep.equal({ a: 1 });
    });

    it("compacts without changing a live entry or resurrecting a deleted one", async () => {
      await store.write([
        { type: "put", key: "compact/kept", value: { v: 1 } },
        { type: "put", key: "compact/gone", value: "x" },
      ]);
      await store.write([
        { type: "put", key: "compact/kept", value: { v: 2 } },
        { type: "del", key: "compact/gone" },
      ]);
      await store.compact("compact/gone");
      await store.compact();
      expect(await store.get("compact/kept")).to.deep.equal({ v: 2 });
      expect(await store.get("compact/gone")).to.equal(undefined);
    });

    it("keeps data across close and reopen (durable adapters only)", async function () {
      if (reopen === undefined) this.skip();
      await store.write([{ type: "put", key: "durable", value: "yes" }]);
      await store.close();
      store = await reopen();
      expect(await store.get("durable")).to.equal("yes");
    });
  });
}
