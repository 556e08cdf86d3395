/**
 * The signed audit export (unit level: an in-memory audit log, in-process keys, anchors given as
 * data; the real chain and node are in test/node/vault/audit-anchor.test.ts): what it holds for a
 * period, the SDK's `verifyAuditExport` accepting it, and every kind of tampering refused with a
 * typed AUDIT_EXPORT_INVALID error; the route for the auditor role only, with problem+json for a bad range.
 */
import { expect } from "chai";
import { Wallet, sha256, toUtf8Bytes } from "ethers";
import {
  AuditExportInvalidError,
  verifyAuditExport,
  type AuditExportDocument,
  type AuditExportAnchor,
} from "@kycnet/sdk/auditor";
import type { SignedDocument } from "@kycnet/sdk/bank";
import { auditEntryHash, type Hex } from "@kycnet/sdk/protocol";
import { createAuditExports } from "../../../node/src/onboarding/audit-export.ts";
import { createAuditLog, type AuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createHarness } from "../api/harness.ts";
import { expectCode } from "../../support/expect-code.ts";

const FROM = new Date("2027-01-01T00:00:00Z");
const TO = new Date("2027-01-04T00:00:00Z");
const TX = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

async function fixture() {
  let now = new Date("2026-12-31T12:00:00Z");
  const audit: AuditLog = createAuditLog(createMemoryRecordStore(), () => now);
  const wallet = Wallet.createRandom();
  const anchors: AuditExportAnchor[] = [];
  const anchorHead = async (block: number) => {
    const head = await audit.head();
    anchors.push({ count: head.seq, head: head.hash, txHash: TX(block), blockNumber: block });
  };
  const append = async (iso: string, target: string) => {
    now = new Date(iso);
    await audit.append({ actor: "op", action: "record.stored", target });
  };
  await append("2026-12-31T12:00:00Z", "before-1"); // 1
  await append("2026-12-31T13:00:00Z", "before-2"); // 2
  await anchorHead(10); // count 2
  await append("2027-01-01T01:00:00Z", "in-3"); // 3
  await append("2027-01-02T01:00:00Z", "in-4"); // 4
  await anchorHead(20); // count 4
  await append("2027-01-03T01:00:00Z", "in-5"); // 5
  await append("2027-01-05T01:00:00Z", "after-6"); // 6: links entry 5 to the next anchor
  await anchorHead(30); // count 6
  await append("2027-01-06T01:00:00Z", "after-7"); // 7: not exported
  const exports = createAuditExports({
    bank: "Bank A",
    audit,
    signer: { address: wallet.address as Hex, signMessage: (bytes) => wallet.signMessage(bytes) },
    chain: { chainId: 31337n, attestations: "0x00000000000000000000000000000000000000aa" },
    anchors: async () => anchors,
    clock: () => new Date("2027-01-07T00:00:00Z"),
  });
  const sign = async (document: AuditExportDocument, by = wallet): Promise<SignedDocument> => {
    const text = `${JSON.stringify(document, null, 2)}\n`;
    return {
      format: "json",
      document: text,
      sha256: sha256(toUtf8Bytes(text)).slice(2),
      signer: by.address as Hex,
      signature: (await by.signMessage(toUtf8Bytes(text))) as Hex,
    };
  };
  return { audit, wallet, exports, sign };
}

const parse = (signed: SignedDocument) => JSON.parse(signed.document) as AuditExportDocument;

async function expectInvalid(promise: Promise<unknown>, finding: RegExp): Promise<void> {
  const error = await expectCode(promise, "AUDIT_EXPORT_INVALID");
  expect(error).to.be.instanceOf(AuditExportInvalidError);
  expect((error as AuditExportInvalidError).findings.join("\n")).to.match(finding);
}

describe("signed audit export", () => {
  it("holds the period's entries, the links to the covering anchor and the anchors within; the SDK accepts it", async () => {
    const { exports, wallet } = await fixture();
    const signed = await exports.export({ from: FROM, to: TO });
    const document = parse(signed);
    expect(document.range).to.deep.equal({ count: 3, firstSeq: 3, lastSeq: 5 });
    expect(document.entries.map((e) => e.target)).to.deep.equal(["in-3", "in-4", "in-5", "after-6"]);
    expect(document.anchors.map((a) => a.count)).to.deep.equal([4, 6]);

    const check = await verifyAuditExport(signed, { expectedSigner: wallet.address });
    expect(check).to.include({ signer: wallet.address, provenThrough: 6, unprovenEntries: 0, anchorsOnChain: false });
  });

  it("reports the period's entries after the last anchor as not yet proven", async () => {
    const { exports } = await fixture();
    const signed = await exports.export({ from: FROM, to: new Date("2027-01-07T00:00:00Z") });
    const check = await verifyAuditExport(signed);
    expect(parse(signed).range).to.deep.include({ lastSeq: 7 });
    expect(check).to.include({ provenThrough: 6, unprovenEntries: 1 });
  });

  it("refuses an edited document (the signature no longer matches)", async () => {
    const { exports } = await fixture();
    const signed = await exports.export({ from: FROM, to: TO });
    const document = signed.document.replace('"in-4"', '"in-X"');
    await expectInvalid(verifyAuditExport({ ...signed, document }), /sha256 does not match|signed by/);
  });

  it("refuses an edit re-signed by the bank's own key: the entry no longer hashes to the anchored head", async () => {
    const { exports, sign } = await fixture();
    const document = parse(await exports.export({ from: FROM, to: TO }));
    // Re-chained from entry 4 on: every hash and link recomputed, so the chain alone is consistent.
    const entries = [...document.entries];
    for (let i = 1; i < entries.length; i++) {
      const body = { ...entries[i]!, prevHash: entries[i - 1]!.hash, ...(i === 1 ? { target: "in-X" } : {}) };
      const { hash: _old, ...rest } = body;
      entries[i] = { ...rest, hash: auditEntryHash(rest) };
    }
    await expectInvalid(
      verifyAuditExport(await sign({ ...document, entries })),
      /entry 4 hashes to [0-9a-f]{64}, its anchor \(tx 0x[0-9a-f]{64}\) holds/,
    );
  });

  it("refuses a missing entry, a broken link and another bank's signature", async () => {
    const { exports, sign } = await fixture();
    const document = parse(await exports.export({ from: FROM, to: TO }));
    await expectInvalid(
      verifyAuditExport(await sign({ ...document, entries: document.entries.filter((e) => e.seq !== 4) })),
      /entry 5 follows entry 3: entries are missing/,
    );
    const unlinked = document.entries.map((e) => (e.seq === 5 ? { ...e, prevHash: "f".repeat(64) } : e));
    await expectInvalid(
      verifyAuditExport(await sign({ ...document, entries: unlinked })),
      /entry 5: content does not match/,
    );
    const other = Wallet.createRandom();
    await expectInvalid(verifyAuditExport(await sign(document, other)), /names account 0x[0-9a-fA-F]{40}, but/);
    await expectInvalid(verifyAuditExport(await sign(document), { expectedSigner: other.address }), /not by/);
  });

  it("refuses a document that is not an export, and a registry other than the consortium's", async () => {
    const { exports, sign } = await fixture();
    const document = parse(await exports.export({ from: FROM, to: TO }));
    await expectInvalid(
      verifyAuditExport(await sign({ ...document, kind: "something-else" } as unknown as AuditExportDocument)),
      /not a kycnet\/audit-export\/1/,
    );
    await expectInvalid(
      verifyAuditExport(await sign(document), { registry: "0x00000000000000000000000000000000000000bb" }),
      /names registry/,
    );
  });

  it("refuses a reversed, empty or over-long period with INVALID_ARGUMENT", async () => {
    const { exports } = await fixture();
    await expectCode(exports.export({ from: TO, to: FROM }), "INVALID_ARGUMENT");
    await expectCode(exports.export({ from: FROM, to: FROM }), "INVALID_ARGUMENT");
    await expectCode(exports.export({ from: FROM, to: new Date("2028-06-01T00:00:00Z") }), "INVALID_ARGUMENT");
  });

  describe("GET /v1/audit/export", () => {
    it("answers the auditor with a signed export, 403 to an operator, 400 problem+json for a reversed range", async () => {
      const h = await createHarness();
      await h.services.reports.audit.append({ actor: "op", action: "record.stored", target: "rec_1" });
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const get = (role: "auditor" | "operator", query: string) =>
        h.app.inject({ method: "GET", url: `/v1/audit/export?${query}`, headers: h.auth(role) });

      const ok = await get("auditor", `from=${from}&to=${to}`);
      expect(ok.statusCode, ok.body).to.equal(200);
      const check = await verifyAuditExport(ok.json<SignedDocument>(), { expectedSigner: h.services.reports.signer });
      expect(check.document.range.count).to.equal(1);
      expect(check.unprovenEntries).to.equal(1);

      expect((await get("operator", `from=${from}&to=${to}`)).statusCode).to.equal(403);
      const reversed = await get("auditor", `from=${to}&to=${from}`);
      expect(reversed.statusCode).to.equal(400);
      expect(reversed.headers["content-type"]).to.match(/application\/problem\+json/);
      expect(reversed.json<{ type: string }>().type).to.equal("urn:kycnet:problem:invalid-argument");
      const malformed = await get("auditor", `from=yesterday&to=${to}`);
      expect(malformed.statusCode).to.equal(400);
    });
  });
});
