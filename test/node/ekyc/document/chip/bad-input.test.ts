/**
 * Hostile and broken input: every case ends in an INVALID result with a code, or a typed error,
 * quickly; never an uncaught exception, a crash or a hang.
 */
import { expect } from "chai";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ActiveAuthChallenges } from "../../../../../node/src/ekyc/document/chip/challenges.ts";
import {
  ChallengeRefusedError,
  ChipFileError,
  TrustListError,
} from "../../../../../node/src/ekyc/document/chip/errors.ts";
import type { ChipFiles, DataGroupNumber } from "../../../../../node/src/ekyc/document/chip/lds.ts";
import { SodFile } from "../../../../../node/src/ekyc/document/chip/sod.ts";
import { CscaTrustStore } from "../../../../../node/src/ekyc/document/chip/trust-store.ts";
import { verifyChip, type ChipVerification } from "../../../../../node/src/ekyc/document/chip/verify-chip.ts";
import { createRng } from "../../../../../scripts/cards/random.ts";
import { facialRecord, sodFile } from "../../../../../scripts/chip/lds-writer.ts";
import { applicationTagged, der } from "../../../../../scripts/chip/asn1.ts";
import type { GeneratedChip } from "../../../../../scripts/chip/generate.ts";
import { chip, codesOf, NOW, testPki, trustOf } from "./support.ts";

const covered = (files: ChipFiles): Map<DataGroupNumber, Uint8Array> =>
  new Map(([1, 2, 13, 14, 15] as const).map((n) => [n, files[`DG${n}`]!]));

describe("chip verification: bad input", function () {
  this.timeout(120_000);
  let genuine: GeneratedChip;
  const verify = async (files: ChipFiles): Promise<ChipVerification> => {
    const started = performance.now();
    const result = await verifyChip(files, { trust: trustOf(testPki("rsa")), now: NOW });
    expect(performance.now() - started, "verification time, ms").to.be.below(2_000);
    return result;
  };
  const codes = (r: ChipVerification) => r.failures.map((f) => f.code);

  before(async () => {
    genuine = await chip("rsa", "valid", 30);
  });

  it("malformed DER in EF.SOD → SOD_MALFORMED; in a data group → DG_MALFORMED", async () => {
    const junk = new Uint8Array(Buffer.from("this is not DER at all"));
    const r1 = await verify({ ...genuine.files, SOD: junk });
    expect(r1.status).to.equal("INVALID");
    expect(codes(r1)).to.deep.equal(["SOD_MALFORMED"]);
    const r2 = await verify({ ...genuine.files, DG1: junk });
    expect(codesOf(r2.failures)).to.deep.include.members([
      { code: "DG_MALFORMED", dataGroup: 1 },
      { code: "DG_HASH_MISMATCH", dataGroup: 1 },
    ]);
  });

  it("wrong outer tags → SOD_MALFORMED / DG_MALFORMED; another data group's tag → DG_WRONG_FILE", async () => {
    const sod = new Uint8Array(genuine.files.SOD!);
    sod[0] = 0x78;
    expect(codes(await verify({ ...genuine.files, SOD: sod }))).to.deep.equal(["SOD_MALFORMED"]);
    const dg1 = new Uint8Array(genuine.files.DG1!);
    dg1[0] = 0x7a;
    expect(codesOf((await verify({ ...genuine.files, DG1: dg1 })).failures)).to.deep.include({
      code: "DG_MALFORMED",
      dataGroup: 1,
    });
    // The portrait file holds DG1, the MRZ file holds DG2: both are named, and neither is trusted.
    const swapped = await verify({ ...genuine.files, DG1: genuine.files.DG2!, DG2: genuine.files.DG1! });
    expect(codesOf(swapped.failures)).to.deep.include.members([
      { code: "DG_WRONG_FILE", dataGroup: 1 },
      { code: "DG_WRONG_FILE", dataGroup: 2 },
      { code: "DG_HASH_MISMATCH", dataGroup: 1 },
      { code: "DG_HASH_MISMATCH", dataGroup: 2 },
    ]);
    expect(swapped.mrz).to.equal(null);
  });

  it("lengths past the end of the file (truncated files) → SOD_MALFORMED / DG_MALFORMED", async () => {
    for (const cut of [1, 10, 500]) {
      expect(
        codes(await verify({ ...genuine.files, SOD: genuine.files.SOD!.subarray(0, genuine.files.SOD!.length - cut) })),
      ).to.deep.equal(["SOD_MALFORMED"]);
    }
    const dg2 = genuine.files.DG2!;
    expect(
      codesOf((await verify({ ...genuine.files, DG2: dg2.subarray(0, dg2.length - 100) })).failures),
    ).to.deep.include({ code: "DG_MALFORMED", dataGroup: 2 });
  });

  it("huge declared lengths (4 GB, 2^64) are refused without allocating", async () => {
    const huge4g = new Uint8Array([0x77, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x30, 0x00]);
    const huge8 = new Uint8Array([0x77, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]);
    for (const sod of [huge4g, huge8])
      expect(codes(await verify({ ...genuine.files, SOD: sod }))).to.deep.equal(["SOD_MALFORMED"]);
    const dg1 = new Uint8Array([0x61, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x5f, 0x1f, 0x00]);
    expect(codesOf((await verify({ ...genuine.files, DG1: dg1 })).failures)).to.deep.include({
      code: "DG_MALFORMED",
      dataGroup: 1,
    });
  });

  it("nesting 20,000 levels deep → SOD_MALFORMED, no stack overflow escapes", async () => {
    const depth = 20_000;
    const deep = new Uint8Array(depth * 2);
    // SEQUENCEs of indefinite length, never closed
    for (let i = 0; i < depth; i++) deep.set([0x30, 0x80], i * 2);
    const nested = new Uint8Array([0x77, 0x80, ...deep]);
    expect(codes(await verify({ ...genuine.files, SOD: nested }))).to.deep.equal(["SOD_MALFORMED"]);
  });

  it("a 10 MB EF.SOD → SOD_MALFORMED (size limit), decided before decoding", async () => {
    const big = new Uint8Array(10 * 1024 * 1024);
    big.set([0x77, 0x84, 0x00, 0x9f, 0xff, 0xfa, 0x30, 0x84, 0x00, 0x9f, 0xff, 0xf4]);
    const result = await verify({ ...genuine.files, SOD: big });
    expect(codes(result)).to.deep.equal(["SOD_MALFORMED"]);
    expect(result.failures[0]!.detail).to.match(/exceeds the limit/);
  });

  it("unknown algorithms → ALGORITHM_UNSUPPORTED, never valid", async () => {
    const pki = testPki("rsa");
    const dsa = sodFile({
      signer: pki.documentSigner,
      dataGroups: covered(genuine.files),
      tamper: (data) => {
        // DSA with SHA-1
        data.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.10040.4.3" });
      },
    });
    expect(codes(await verify({ ...genuine.files, SOD: dsa }))).to.deep.equal(["ALGORITHM_UNSUPPORTED"]);
    const digest = sodFile({
      signer: pki.documentSigner,
      dataGroups: covered(genuine.files),
      tamper: (data) => {
        // GOST R 34.11-2012
        data.signerInfos[0]!.digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.643.7.1.1.2.2" });
      },
    });
    expect(codes(await verify({ ...genuine.files, SOD: digest }))).to.deep.equal(["ALGORITHM_UNSUPPORTED"]);
    const hashes = sodFile({
      signer: pki.documentSigner,
      dataGroups: covered(genuine.files),
      hashAlgorithmOid: "1.2.3.4.5",
    });
    const r = await verify({ ...genuine.files, SOD: hashes });
    expect(codesOf(r.failures)).to.deep.equal(
      [1, 2, 13, 14, 15].map((n) => ({ code: "ALGORITHM_UNSUPPORTED", dataGroup: n })),
    );
    expect(r.dataGroupsVerified).to.deep.equal([]);
  });

  it("a broken DS certificate → SOD_MALFORMED; a broken trust-list certificate → TrustListError", async () => {
    const sod = Buffer.from(genuine.files.SOD!);
    const certStart = sod.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02])); // the certificate's [0] version v3
    expect(certStart).to.be.greaterThan(0);
    sod[certStart] = 0xa5;
    expect(codes(await verify({ ...genuine.files, SOD: new Uint8Array(sod) }))).to.deep.equal(["SOD_MALFORMED"]);
    expect(() =>
      new CscaTrustStore().addPem(
        "-----BEGIN CERTIFICATE-----\nMIIBroken/Data==\n-----END CERTIFICATE-----\n",
        "broken.pem",
      ),
    ).to.throw(TrustListError);
    expect(() => new CscaTrustStore().addPem("no certificates here", "empty.pem")).to.throw(TrustListError);
    expect(() => new CscaTrustStore().addDer(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), "junk.der")).to.throw(
      TrustListError,
    );
  });

  it("a facial record whose lengths lie, or an image of 100,000 × 100,000 pixels → DG_MALFORMED (DG2)", async () => {
    const jp2 = Buffer.from([
      0xff,
      0x4f,
      0xff,
      0x51,
      0x00,
      0x2f,
      0x00,
      0x00,
      0x00,
      0x01,
      0x86,
      0xa0,
      0x00,
      0x01,
      0x86,
      0xa0,
      ...new Array(16).fill(0),
    ]);
    const record = facialRecord({ image: new Uint8Array(jp2), format: "jp2", width: 1, height: 1, sex: "M" });
    const build = (rec: Uint8Array) =>
      der(
        applicationTagged(0x75, [
          applicationTagged(0x7f61, [
            new asn1js.Integer({ value: 1 }),
            applicationTagged(0x7f60, [
              new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [] }),
              applicationTagged(0x5f2e, rec),
            ]),
          ]),
        ]),
      );
    const huge = await verify({ ...genuine.files, DG2: build(record) });
    expect(codesOf(huge.failures)).to.deep.include({ code: "DG_MALFORMED", dataGroup: 2 });
    expect(huge.failures.find((f) => f.code === "DG_MALFORMED")!.detail).to.match(/exceeds/);
    const lying = new Uint8Array(record);
    lying[14 + 3] = 0xff; // the image block claims more bytes than the record holds
    expect(codesOf((await verify({ ...genuine.files, DG2: build(lying) })).failures)).to.deep.include({
      code: "DG_MALFORMED",
      dataGroup: 2,
    });
  });

  it("a replayed active-authentication answer is refused with a typed error", () => {
    const challenges = new ActiveAuthChallenges();
    challenges.issue("s");
    challenges.consume("s");
    expect(() => challenges.consume("s"))
      .to.throw(ChallengeRefusedError)
      .with.property("code", "AA_CHALLENGE_REPLAYED");
  });

  it("SodFile.parse throws ChipFileError (typed) for each malformed shape", () => {
    for (const bytes of [
      new Uint8Array(),
      new Uint8Array([0x77, 0x00]),
      new Uint8Array([0x77, 0x02, 0x05, 0x00]),
      new Uint8Array([0x77, 0x03, 0x30, 0x01]),
    ]) {
      expect(() => SodFile.parse(bytes)).to.throw(ChipFileError);
    }
  });

  it("500 random single-byte changes and truncations of every file: always INVALID, never a throw", async () => {
    const rng = createRng(99);
    const ids = ["SOD", "DG1", "DG2", "DG13", "DG14", "DG15", "COM"] as const;
    let invalid = 0,
      comOnly = 0;
    for (let i = 0; i < 500; i++) {
      const id = rng.pick(ids);
      const original = genuine.files[id]!;
      let mutated: Uint8Array;
      if (rng.next() < 0.3) mutated = original.subarray(0, rng.int(0, original.length - 1));
      else {
        mutated = new Uint8Array(original);
        const at = rng.int(0, mutated.length - 1);
        mutated[at] = (mutated[at]! + rng.int(1, 255)) & 0xff;
      }
      const result = await verifyChip(
        { ...genuine.files, [id]: mutated },
        { trust: trustOf(testPki("rsa")), now: NOW },
      );
      if (result.status === "INVALID") invalid += 1;
      else if (id === "COM") comOnly += 1; // EF.COM is unsigned: changing it alone changes nothing trusted
    }
    expect(invalid + comOnly).to.equal(500);
  });
});
