/**
 * The LevelDB table checker (store/level/table-check.ts): CRC-32C against RFC 3720's vectors, a real
 * table file written by LevelDB (snappy-compressed blocks) verifies, and a flipped byte anywhere in
 * its blocks or footer is reported, where LevelDB itself would serve the changed data.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { crc32c, verifyTableFile } from "../../../node/src/vault/store/level/table-check.ts";

describe("node/vault LevelDB table checker", () => {
  let dir: string;
  let table: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-table-check-"));
    const store = await openLevelRecordStore(join(dir, "db"));
    // Compressible and incompressible values, so blocks of both kinds are written.
    for (let i = 0; i < 400; i++)
      await store.write([
        { type: "put", key: `record/${String(i).padStart(5, "0")}`, value: { text: "a".repeat(300), i } },
        { type: "put", key: `blob/${String(i).padStart(5, "0")}`, value: randomBytes(200).toString("base64") },
      ]);
    await store.compact();
    await store.close();
    const name = readdirSync(join(dir, "db")).find((f) => f.endsWith(".ldb"))!;
    table = join(dir, "db", name);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("computes CRC-32C as RFC 3720 does", () => {
    expect(crc32c(new Uint8Array(32))).to.equal(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).to.equal(0x62a8ab43);
    expect(crc32c(new TextEncoder().encode("123456789"))).to.equal(0xe3069283);
  });

  it("verifies a table file LevelDB wrote", async () => {
    expect(await verifyTableFile(table)).to.equal(null);
  });

  it("reports a flipped byte at any of 40 places in the file", async () => {
    const original = readFileSync(table);
    const copy = join(dir, "copy.ldb");
    for (let k = 0; k < 40; k++) {
      const at = Math.floor(((k + 0.5) * original.length) / 40);
      const bytes = Buffer.from(original);
      bytes[at]! ^= 0x01;
      writeFileSync(copy, bytes);
      expect(await verifyTableFile(copy), `byte ${at} of ${original.length}`).to.be.a("string");
    }
    writeFileSync(copy, original.subarray(0, original.length - 10));
    expect(await verifyTableFile(copy), "truncated").to.be.a("string");
  });
});
