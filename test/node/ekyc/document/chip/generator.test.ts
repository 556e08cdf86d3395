import { expect } from "chai";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCard } from "../../../../../scripts/cards/generate.ts";
import { Dg1File } from "../../../../../node/src/ekyc/document/chip/dg1.ts";
import { generateChipSet } from "../../../../../scripts/chip/generate.ts";
import { chip, SEED } from "./support.ts";

describe("test chip generator (scripts/chip)", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-chip-gen-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("makes the chip of the same person as the card generated with the same seed and index", async () => {
    const card = await generateCard(dir, 50, SEED, "clean", null);
    const c = await chip("rsa", "valid", 50);
    expect(c.person).to.deep.equal(card.person);
    expect(Dg1File.parse(c.files.DG1!).mrz.optionalData).to.equal(card.person.idNumber);
  });

  it("is deterministic from the seed except for keys and signatures", async () => {
    const a = await chip("ecdsa", "valid", 51),
      b = await chip("ecdsa", "valid", 51);
    expect(a.person).to.deep.equal(b.person);
    expect(Buffer.from(a.files.DG1!).equals(Buffer.from(b.files.DG1!))).to.equal(true);
    expect(Buffer.from(a.files.DG13!).equals(Buffer.from(b.files.DG13!))).to.equal(true);
    expect(Buffer.from(a.files.DG2!).equals(Buffer.from(b.files.DG2!))).to.equal(true);
  });

  it("writes a set: trust anchors, EF_*.bin folders, AA keys and a manifest of expected failures", async () => {
    const out = join(dir, "set");
    const entries = await generateChipSet(out, 1, 7);
    expect(entries).to.have.length(12);
    const files = await readdir(out);
    expect(files).to.include.members(["csca-rsa.pem", "csca-ecdsa.pem", "manifest.json"]);
    expect((await readdir(entries[0]!.dir)).sort()).to.deep.equal([
      "EF_COM.bin",
      "EF_DG1.bin",
      "EF_DG13.bin",
      "EF_DG14.bin",
      "EF_DG15.bin",
      "EF_DG2.bin",
      "EF_SOD.bin",
    ]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as Array<{
      variant: string;
      expected: unknown[];
    }>;
    expect(manifest.find((m) => m.variant === "wrong-ds")?.expected).to.deep.equal([
      { code: "DS_NOT_TRUSTED", dataGroup: null },
    ]);
  });
});
