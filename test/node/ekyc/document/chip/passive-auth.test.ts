import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyChip } from "../../../../../node/src/ekyc/document/chip/verify-chip.ts";
import { verifyPassive } from "../../../../../node/src/ekyc/document/chip/passive-auth.ts";
import { CscaTrustStore } from "../../../../../node/src/ekyc/document/chip/trust-store.ts";
import { loadTrustStore } from "../../../../../node/src/ekyc/document/chip/trust-files.ts";
import { TrustListError } from "../../../../../node/src/ekyc/document/chip/errors.ts";
import type { ChipFiles, DataGroupNumber } from "../../../../../node/src/ekyc/document/chip/lds.ts";
import { CHIP_VARIANTS, EXPECTED_FAILURES } from "../../../../../scripts/chip/generate.ts";
import { dg13File, sodFile } from "../../../../../scripts/chip/lds-writer.ts";
import { createCrl, createCsca, createDocumentSigner, createMasterList, pem } from "../../../../../scripts/chip/pki.ts";
import type { DigestName } from "../../../../../node/src/ekyc/document/chip/oids.ts";
import { chip, codesOf, NOW, testPki, trustOf } from "./support.ts";
import { chipReference, skipWithoutChipReference } from "../../../../support/chip-reference.ts";

const covered = (files: ChipFiles): Map<DataGroupNumber, Uint8Array> =>
  new Map(([1, 2, 13, 14, 15] as const).filter((n) => files[`DG${n}`] !== undefined).map((n) => [n, files[`DG${n}`]!]));

describe("passive authentication", function () {
  this.timeout(120_000);

  for (const key of ["rsa", "ecdsa"] as const) {
    describe(`${key} chips`, () => {
      for (const variant of CHIP_VARIANTS.filter((v) => v !== "cloned-chip")) {
        it(`${variant}: ${EXPECTED_FAILURES[variant].map((f) => f.code).join(", ") || "VALID"}`, async () => {
          const c = await chip(key, variant, CHIP_VARIANTS.indexOf(variant));
          const result = await verifyChip(c.files, { trust: trustOf(testPki(key)), now: NOW });
          expect(codesOf(result.failures)).to.deep.equal(EXPECTED_FAILURES[variant]);
          expect(result.status).to.equal(variant === "valid" ? "VALID" : "INVALID");
          // Nothing is verified on the word of an untrusted or broken SOD.
          if (variant === "wrong-ds" || variant === "broken-signature")
            expect(result.dataGroupsVerified).to.deep.equal([]);
        });
      }

      it("reports every check of a valid chip as passed, with the evidence the record keeps", async () => {
        const c = await chip(key, "valid");
        const result = await verifyChip(c.files, { trust: trustOf(testPki(key)), now: NOW });
        const passed = result.checks.filter((x) => x.outcome === "passed").map((x) => `${x.check}${x.dataGroup ?? ""}`);
        for (const name of [
          "SOD_PARSE",
          "DS_CERTIFICATE",
          "SOD_SIGNATURE",
          "DS_CHAIN",
          "DS_VALIDITY",
          "DS_REVOCATION",
          "DG_HASH1",
          "DG_HASH2",
          "DG_HASH13",
          "DG_HASH14",
          "DG_HASH15",
        ]) {
          expect(passed).to.include(name);
        }
        expect(result.dataGroupsVerified).to.deep.equal([1, 2, 13, 14, 15]);
        expect(result.evidence.sodSha256).to.match(/^[0-9a-f]{64}$/);
        expect(result.evidence.documentSignerSha256).to.match(/^[0-9a-f]{64}$/);
        expect(result.documentSigner?.issuer).to.equal(result.csca?.subject);
        expect(result.evidence.signatureAlgorithm).to.equal(key === "rsa" ? "SHA-256withRSA" : "ecdsa-with-SHA-256");
        expect(result.mrz?.documentNumber).to.equal(c.person.idNumber.slice(3));
        expect(result.faceImage?.mime).to.equal(key === "rsa" ? "image/jpeg" : "image/jp2");
      });
    });
  }

  describe("signature algorithms", () => {
    const cases: Array<{ key: "rsa" | "ecdsa"; padding: "pkcs1" | "pss"; digest: DigestName; name: string }> = [
      { key: "rsa", padding: "pkcs1", digest: "sha1", name: "SHA-1withRSA" },
      { key: "rsa", padding: "pkcs1", digest: "sha384", name: "SHA-384withRSA" },
      { key: "rsa", padding: "pkcs1", digest: "sha512", name: "SHA-512withRSA" },
      { key: "rsa", padding: "pss", digest: "sha256", name: "RSASSA-PSS-SHA-256" },
      { key: "rsa", padding: "pss", digest: "sha512", name: "RSASSA-PSS-SHA-512" },
      { key: "ecdsa", padding: "pkcs1", digest: "sha384", name: "ecdsa-with-SHA-384" },
      { key: "ecdsa", padding: "pkcs1", digest: "sha512", name: "ecdsa-with-SHA-512" },
    ];
    for (const t of cases) {
      it(`verifies a SOD signed with ${t.name}, and refuses it once a hash byte changes`, async () => {
        const pki = testPki(t.key, t.padding);
        const signer = createDocumentSigner(pki.csca, { key: t.key, rsaPadding: t.padding, digest: t.digest }, 11);
        const c = await chip(t.key, "valid", 5);
        const files: ChipFiles = {
          ...c.files,
          SOD: sodFile({ signer, dataGroups: covered(c.files), digest: t.digest }),
        };
        const ok = verifyPassive(files, trustOf(pki), { now: NOW });
        expect(ok.signatureAlgorithm).to.equal(t.name);
        expect(
          codesOf(
            ok.checks
              .filter((x) => x.outcome === "failed")
              .map((x) => ({ code: x.code!, dataGroup: x.dataGroup, detail: x.detail })),
          ),
        ).to.deep.equal([]);
        expect(ok.dataGroupHashAlgorithm).to.equal(t.digest);
        const broken = { ...files, DG1: files.DG1!.map((b, i) => (i === 10 ? b ^ 1 : b)) };
        const bad = verifyPassive(broken, trustOf(pki), { now: NOW });
        expect(bad.checks.filter((x) => x.outcome === "failed").map((x) => x.code)).to.deep.equal(["DG_HASH_MISMATCH"]);
      });
    }

    it("accepts LDSSecurityObject version 1 (LDS 1.8 with ldsVersionInfo)", async () => {
      const pki = testPki("rsa");
      const c = await chip("rsa", "valid", 6);
      const files = {
        ...c.files,
        SOD: sodFile({ signer: pki.documentSigner, dataGroups: covered(c.files), version: 1 }),
      };
      const result = await verifyChip(files, { trust: trustOf(pki), now: NOW });
      expect(result.status).to.equal("VALID");
      expect(result.evidence.ldsVersion).to.equal("0108");
    });
  });

  describe("trust list", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "kycnet-trust-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("loads a folder of PEM certificates and trusts any of them", async () => {
      const pki = testPki("rsa"),
        other = testPki("ecdsa");
      await writeFile(join(dir, "a.pem"), pem("CERTIFICATE", pki.csca.der));
      await writeFile(join(dir, "b.crt"), pem("CERTIFICATE", other.csca.der));
      await writeFile(join(dir, "notes.txt"), "ignored");
      const trust = await loadTrustStore(dir);
      expect(trust.size).to.equal(2);
      for (const key of ["rsa", "ecdsa"] as const) {
        const c = await chip(key, "valid", 7);
        expect((await verifyChip(c.files, { trust, now: NOW })).status).to.equal("VALID");
      }
    });

    it("DS_REVOKED when a CRL signed by the CSCA lists the DS; a CRL not signed by it is ignored", async () => {
      const pki = testPki("rsa");
      const c = await chip("rsa", "valid", 8);
      const trust = trustOf(pki);
      const forged = createCrl(createCsca({ key: "rsa" }), [
        Number(pki.documentSigner.certificate.serialNumber.valueBlock.valueDec),
      ]);
      trust.addPem(pem("X509 CRL", forged), "forged.crl");
      expect((await verifyChip(c.files, { trust, now: NOW })).status).to.equal("VALID");
      trust.addDer(
        createCrl(pki.csca, [Number(pki.documentSigner.certificate.serialNumber.valueBlock.valueDec)]),
        "csca.crl",
      );
      const result = await verifyChip(c.files, { trust, now: NOW });
      expect(codesOf(result.failures)).to.deep.equal([{ code: "DS_REVOKED", dataGroup: null }]);
    });

    it("trusts the CSCAs of a signed ICAO master list and refuses a list whose signature is broken", async () => {
      const pki = testPki("ecdsa");
      const mlSigner = createDocumentSigner(pki.csca, { key: "ecdsa" }, 99);
      const list = createMasterList(mlSigner, [pki.csca, testPki("rsa").csca]);
      const trust = new CscaTrustStore();
      trust.addDer(list, "list.ml");
      expect(trust.size).to.equal(2);
      const c = await chip("ecdsa", "valid", 9);
      expect((await verifyChip(c.files, { trust, now: NOW })).status).to.equal("VALID");
      const tampered = new Uint8Array(list);
      tampered[tampered.length - 5]! ^= 0x01;
      expect(() => new CscaTrustStore().addDer(tampered, "tampered.ml")).to.throw(TrustListError);
      const rogue = createMasterList(testPki("ecdsa").rogueDocumentSigner, [pki.csca]);
      expect(() => new CscaTrustStore().addDer(rogue, "rogue.ml")).to.throw(TrustListError, /not issued by a CSCA/);
    });

    it("DS_CERTIFICATE_EXPIRED outside the DS validity; DS_NOT_TRUSTED once the CSCA has expired", async () => {
      const pki = testPki("rsa");
      const c = await chip("rsa", "valid", 10);
      const old = createDocumentSigner(pki.csca, { key: "rsa" }, 12, {
        notBefore: new Date("2024-01-01"),
        notAfter: new Date("2025-01-01"),
      });
      const files = { ...c.files, SOD: sodFile({ signer: old, dataGroups: covered(c.files) }) };
      expect(codesOf((await verifyChip(files, { trust: trustOf(pki), now: NOW })).failures)).to.deep.equal([
        { code: "DS_CERTIFICATE_EXPIRED", dataGroup: null },
      ]);
      const later = await verifyChip(c.files, { trust: trustOf(pki), now: new Date("2040-01-01") });
      expect(codesOf(later.failures)).to.deep.equal([
        { code: "DS_NOT_TRUSTED", dataGroup: null },
        { code: "DS_CERTIFICATE_EXPIRED", dataGroup: null },
      ]);
    });
  });

  describe("BSI TR-03105-5 reference data", function () {
    before(function () {
      skipWithoutChipReference(this);
    });
    const files = (): ChipFiles => ({
      SOD: new Uint8Array(readFileSync(chipReference("bsi-tr03105-5/EF_SOD.bin"))),
      DG1: new Uint8Array(readFileSync(chipReference("bsi-tr03105-5/EF_DG1.bin"))),
      DG14: new Uint8Array(readFileSync(chipReference("bsi-tr03105-5/EF_DG14.bin"))),
    });

    it("verifies its RSASSA-PSS signature and the DG1 and DG14 hashes; its CSCA is not trusted here", () => {
      const result = verifyPassive(files(), trustOf(testPki("rsa")), { now: new Date("2014-01-01") });
      const outcome = Object.fromEntries(result.checks.map((c) => [`${c.check}${c.dataGroup ?? ""}`, c.outcome]));
      expect(outcome).to.include({
        SOD_PARSE: "passed",
        SOD_SIGNATURE: "passed",
        DG_HASH1: "passed",
        DG_HASH14: "passed",
        DS_VALIDITY: "passed",
        DS_CHAIN: "failed",
      });
      expect(result.signatureAlgorithm).to.equal("RSASSA-PSS-SHA-256");
      expect(result.documentSigner?.serialNumber).to.equal("0142FD5CF927");
      expect(result.checks.filter((c) => c.outcome === "failed").map((c) => c.code)).to.deep.equal(["DS_NOT_TRUSTED"]);
    });

    it("finds its altered DG1 and its expired Document Signer", () => {
      const f = files();
      f.DG1 = f.DG1!.map((b, i) => (i === 20 ? b ^ 0x02 : b));
      const result = verifyPassive(f, trustOf(testPki("rsa")), { now: NOW });
      expect(result.checks.filter((c) => c.outcome === "failed").map((c) => c.code)).to.deep.equal([
        "DS_NOT_TRUSTED",
        "DS_CERTIFICATE_EXPIRED",
        "DG_HASH_MISMATCH",
      ]);
    });
  });

  it("a signed DG13 in another issuer's layout is hashed and not read; the chip stays VALID", async () => {
    const pki = testPki("rsa");
    const c = await chip("rsa", "valid", 12);
    const dg13 = new Uint8Array([0x6d, 0x06, 0x04, 0x04, 0xde, 0xad, 0xbe, 0xef]);
    const files = { ...c.files, DG13: dg13 };
    const signed = { ...files, SOD: sodFile({ signer: pki.documentSigner, dataGroups: covered(files) }) };
    const result = await verifyChip(signed, { trust: trustOf(pki), now: NOW });
    expect(result.status).to.equal("VALID");
    expect(result.vietnamese).to.equal(null);
    expect(result.dataGroupsVerified).to.include(13);
    expect(result.checks.find((x) => x.check === "DG_PARSE" && x.dataGroup === 13)?.outcome).to.equal("skipped");
  });

  it("a substituted data group is not trusted, even when well formed", async () => {
    const pki = testPki("rsa");
    const c = await chip("rsa", "valid", 11);
    const files = {
      ...c.files,
      DG13: dg13File([
        [1, "001099012345"],
        [2, "NGUYỄN VĂN GIẢ"],
      ]),
    };
    const result = await verifyChip(files, { trust: trustOf(pki), now: NOW });
    expect(codesOf(result.failures)).to.deep.equal([{ code: "DG_HASH_MISMATCH", dataGroup: 13 }]);
    expect(result.dataGroupsVerified).to.not.include(13);
  });
});
