import { expect } from "chai";
import {
  Contract,
  Interface,
  type Wallet,
  hexlify,
  parseEther,
  randomBytes,
  type Signer,
  type Filter,
  type FilterByBlockHash,
  type Log,
  type Provider,
} from "ethers";
import { createAuditor } from "@kycnet/sdk/auditor";
import { createSubjectKey } from "@kycnet/sdk/customer";
import { toJsonSafe } from "@kycnet/sdk/auditor";
import { AttestationRegistryAbi, ConsentRegistryAbi } from "@kycnet/sdk/chain";
import {
  Purpose,
  RevocationReason,
  attestationUid,
  buildBatch,
  commitRecord,
  consentIdOf,
  discloseFields,
  fieldMaskOf,
  signConsentGrant,
  signConsentRevocation,
  type AttestationProof,
  type Hex,
} from "@kycnet/sdk/protocol";
import { deployedConsortium } from "../../node/ledger/fixture.ts";
import { codeOf } from "../../support/expect-code.ts";

const person = {
  idNumber: "001203004567",
  oldIdNumber: "",
  fullName: "Lê Văn Tám",
  dateOfBirth: "1985-07-01",
  sex: "M",
  nationality: "VNM",
  address: "Huế",
  issueDate: "2021-06-01",
  expiryDate: "2045-07-01",
  documentType: "CCCD",
  faceTemplate: "0x" + "11".repeat(32),
};
const randomHash = (): Hex => hexlify(randomBytes(32)) as Hex;
const consentEvents = new Interface(ConsentRegistryAbi);

describe("sdk/auditor checks on a Hardhat consortium", () => {
  let f: Awaited<ReturnType<typeof deployedConsortium>>;
  let auditor: ReturnType<typeof createAuditor>;
  let domain: { chainId: bigint; verifyingContract: Hex };

  before(async () => {
    f = await deployedConsortium();
    auditor = createAuditor({ provider: f.provider, addresses: f.addresses });
    domain = { chainId: await f.ledgerA.chainId(), verifyingContract: f.addresses.consents };
  });

  /** Anchors one record at bank A for a fresh subject key. */
  async function anchorOne(recordRoot?: Hex) {
    const subject = createSubjectKey();
    const record = { ...(await f.record(subject.address as Hex)), ...(recordRoot ? { recordRoot } : {}) };
    const batch = await f.ledgerA.anchorBatch([record]);
    return { subject, uid: batch.uids[0]!, proof: batch.proofs[0]! };
  }

  /** The subject grants `ledger`'s bank some fields; that bank relays. */
  async function grant(subject: Wallet, uid: Hex, proof: AttestationProof, ledger = f.ledgerB, fieldMask = 0b111) {
    const t = await f.now();
    const g = {
      attestationUid: uid,
      grantee: await ledger.account(),
      purpose: Purpose.ONBOARDING,
      fieldMask,
      validUntil: t + 3600n,
      nonce: BigInt(randomHash()),
      deadline: t + 600n,
    };
    return (await ledger.grantConsentBySig(g, proof, await signConsentGrant(subject, domain, g))).consentId;
  }

  async function revoke(subject: Wallet, consentId: Hex) {
    const t = await f.now();
    const r = { consentId, nonce: BigInt(randomHash()), deadline: t + 600n };
    await f.ledgerB.revokeConsentBySig(r, await signConsentRevocation(subject, domain, r));
  }

  describe("inspectAttestation with { at }", () => {
    it("gives the status at a past time (VALID before the revocation, REVOKED after, UNKNOWN before issue)", async () => {
      const { uid, proof } = await anchorOne();
      const before = await f.now();
      await f.connection.networkHelpers.time.increase(3600);
      await f.ledgerA.revokeAttestation(proof, RevocationReason.DATA_CORRECTED);
      const after = await f.now();

      const then = await auditor.inspectAttestation(uid, { at: before });
      expect(then).to.include({ status: "REVOKED", statusAt: "VALID", at: before, issuerActiveAtIssue: true });
      expect(then.findings).to.deep.equal([]);

      const later = await auditor.inspectAttestation(uid, { at: after });
      expect(later.statusAt).to.equal("REVOKED");
      expect(later.findings).to.deep.equal([`attestation was REVOKED at ${after}`]);

      expect((await auditor.inspectAttestation(uid, { at: proof.data.issuedAt - 1n })).statusAt).to.equal("UNKNOWN");
      expect((await auditor.inspectAttestation(uid)).findings).to.deep.equal(["attestation is REVOKED"]);
    });

    it("INVALID_ARGUMENT for a negative time; ATTESTATION_NOT_FOUND for an unknown uid", async () => {
      const { uid } = await anchorOne();
      expect(await codeOf(auditor.inspectAttestation(uid, { at: -1n }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(auditor.inspectAttestation(randomHash()))).to.equal("ATTESTATION_NOT_FOUND");
    });

    it("is JSON-serialisable with bigints as strings", async () => {
      const { uid } = await anchorOne();
      const json = JSON.parse(JSON.stringify(toJsonSafe(await auditor.inspectAttestation(uid)))) as Record<
        string,
        unknown
      >;
      expect(json.issuedAt).to.be.a("string").and.match(/^\d+$/);
      expect(json.status).to.equal("VALID");
    });
  });

  describe("inspectConsent", () => {
    it("checks the relayed grant was signed by the attestation's subject key", async () => {
      const { subject, uid, proof } = await anchorOne();
      const consentId = await grant(subject, uid, proof);
      const report = await auditor.inspectConsent(consentId);
      expect(report.signature).to.deep.equal({ via: "grantBySig", signer: subject.address, valid: true });
      expect(report.findings).to.deep.equal([]);
    });

    it("accepts a grant the subject key sent itself (grant, no signature to relay)", async () => {
      const { subject, uid, proof } = await anchorOne();
      await (
        await (f.signers.deployer as Signer).sendTransaction({ to: subject.address, value: parseEther("0.01") })
      ).wait();
      const t = await f.now();
      const g = {
        attestationUid: uid,
        grantee: await f.ledgerC.account(),
        purpose: Purpose.PERIODIC_REVIEW,
        fieldMask: 1,
        validUntil: t + 3600n,
        nonce: 7n,
        deadline: t + 600n,
      };
      const registry = new Contract(f.addresses.consents, ConsentRegistryAbi, subject.connect(f.provider));
      await (await registry.getFunction("grant")(g, proof)).wait();
      const report = await auditor.inspectConsent(consentIdOf(g));
      expect(report.signature).to.deep.equal({ via: "grant", signer: subject.address, valid: true });
      expect(report).to.include({ purposeName: "PERIODIC_REVIEW", status: "ACTIVE" });
      expect(report.findings).to.deep.equal([]);
    });

    it("CONSENT_NOT_FOUND for an unknown consent", async () => {
      expect(await codeOf(auditor.inspectConsent(randomHash()))).to.equal("CONSENT_NOT_FOUND");
    });
  });

  describe("inspectDisclosures", () => {
    let subject: Wallet;
    let uid: Hex;
    let toB: Hex;
    let toC: Hex;
    let honestDisclosure: Log;

    before(async () => {
      ({ subject, uid } = await anchorOne().then(async (a) => {
        toB = await grant(a.subject, a.uid, a.proof, f.ledgerB, 0b111);
        toC = await grant(a.subject, a.uid, a.proof, f.ledgerC, 0b1);
        return a;
      }));
      const tx = await f.ledgerA.recordDisclosure(toB, 0b101, randomHash());
      await f.ledgerA.recordDisclosure(toC, 0b1, randomHash());
      honestDisclosure = (await f.provider.getTransactionReceipt(tx.txHash))!.logs[0]!;
      await revoke(subject, toB);
    });

    it("passes an honest history: every disclosure under an ACTIVE consent naming its grantee, sent by the issuer", async () => {
      const report = await auditor.inspectDisclosures(uid);
      expect(report.findings).to.deep.equal([]);
      expect(report.consents.map((c) => [c.granteeName, c.status])).to.deep.equal([
        ["Bank B", "REVOKED"],
        ["Bank C", "ACTIVE"],
      ]);
      expect(
        report.disclosures.map((d) => [
          d.granteeName,
          d.consentStatusThen,
          d.attestationStatusThen,
          d.fields.join("+"),
        ]),
      ).to.deep.equal([
        ["Bank B", "ACTIVE", "VALID", "idNumber+fullName"],
        ["Bank C", "ACTIVE", "VALID", "idNumber"],
      ]);
      expect(report.disclosures[0]!.discloser).to.equal(await f.ledgerA.account());
    });

    it("counts a grant made earlier in the same block as the disclosure (several transactions per block)", async () => {
      const a = await anchorOne();
      const t = await f.now();
      const g = {
        attestationUid: a.uid,
        grantee: await f.ledgerB.account(),
        purpose: Purpose.ONBOARDING,
        fieldMask: 1,
        validUntil: t + 3600n,
        nonce: 99n,
        deadline: t + 600n,
      };
      const signature = await signConsentGrant(a.subject, domain, g);
      const asB = new Contract(f.addresses.consents, ConsentRegistryAbi, f.signers.bankB);
      const asA = new Contract(f.addresses.consents, ConsentRegistryAbi, f.signers.bankA);
      await f.provider.send("evm_setAutomine", [false]);
      try {
        const granting = await asB.getFunction("grantBySig")(g, a.proof, signature, { gasLimit: 1_000_000 });
        const disclosing = await asA.getFunction("recordDisclosure")(consentIdOf(g), 1, randomHash(), {
          gasLimit: 500_000,
        });
        await f.provider.send("evm_mine", []);
        const [r1, r2] = [await granting.wait(), await disclosing.wait()];
        expect(r1!.blockNumber).to.equal(r2!.blockNumber);
        expect(r2!.status).to.equal(1);
      } finally {
        await f.provider.send("evm_setAutomine", [true]);
      }
      const report = await auditor.inspectDisclosures(a.uid);
      expect(report.disclosures[0]!.consentStatusThen).to.equal("ACTIVE");
      expect(report.findings).to.deep.equal([]);
      expect((await auditor.inspectConsent(consentIdOf(g))).findings).to.deep.equal([]);
    });

    it("counts an attestation anchored, granted and disclosed all in one block", async () => {
      const subject = createSubjectKey();
      const data = await f.record(subject.address as Hex);
      const issuer = await f.ledgerA.account();
      const uid = attestationUid({ chainId: domain.chainId, registry: f.addresses.attestations }, issuer, data);
      const batch = buildBatch([uid]);
      const proof = { issuer, data, batchRoot: batch.root, proof: batch.proofOf(0) };
      const t = await f.now();
      const g = {
        attestationUid: uid,
        grantee: await f.ledgerB.account(),
        purpose: Purpose.ONBOARDING,
        fieldMask: 1,
        validUntil: t + 3600n,
        nonce: 5n,
        deadline: t + 600n,
      };
      const signature = await signConsentGrant(subject, domain, g);
      const registryAsA = new Contract(f.addresses.attestations, AttestationRegistryAbi, f.signers.bankA);
      const asB = new Contract(f.addresses.consents, ConsentRegistryAbi, f.signers.bankB);
      const asA = new Contract(f.addresses.consents, ConsentRegistryAbi, f.signers.bankA);
      await f.provider.send("evm_setAutomine", [false]);
      try {
        const txs = [
          await registryAsA.getFunction("anchor")([data], { count: 0, head: randomHash() }, { gasLimit: 1_000_000 }),
          await asB.getFunction("grantBySig")(g, proof, signature, { gasLimit: 1_000_000 }),
          await asA.getFunction("recordDisclosure")(consentIdOf(g), 1, randomHash(), { gasLimit: 500_000 }),
        ];
        await f.provider.send("evm_mine", []);
        const receipts = await Promise.all(txs.map((tx) => tx.wait()));
        expect(new Set(receipts.map((r) => r!.blockNumber)).size).to.equal(1);
      } finally {
        await f.provider.send("evm_setAutomine", [true]);
      }
      const report = await auditor.inspectDisclosures(uid);
      expect(report.disclosures[0]).to.include({ consentStatusThen: "ACTIVE", attestationStatusThen: "VALID" });
      expect(report.findings).to.deep.equal([]);
    });

    /** A provider (an RPC node or indexer) whose log answers carry forged Disclosed events. */
    function tamperedAuditor(forged: Log[]) {
      const real = f.provider as unknown as Provider;
      const provider = new Proxy(real, {
        get(target, prop) {
          if (prop === "getLogs") {
            return async (filter: Filter | FilterByBlockHash) => {
              const logs = await target.getLogs(filter);
              // The consent events are read with one contract address, a string.
              const address = typeof filter.address === "string" ? filter.address : "";
              return address.toLowerCase() === f.addresses.consents.toLowerCase() ? [...logs, ...forged] : logs;
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      return createAuditor({ provider, addresses: f.addresses });
    }

    function forgeDisclosure(like: Log, consentId: Hex, grantee: Hex, fieldMask = 1): Log {
      const { topics, data } = consentEvents.encodeEventLog("Disclosed", [
        consentId,
        uid,
        grantee,
        fieldMask,
        randomHash(),
      ]);
      return { ...like, topics, data, index: like.index + 1000, address: like.address } as unknown as Log;
    }

    it("finds a disclosure under a consent that does not exist", async () => {
      const report = await tamperedAuditor([
        forgeDisclosure(honestDisclosure, randomHash(), await f.ledgerB.account()),
      ]).inspectDisclosures(uid);
      const forged = report.disclosures.find((d) => d.consentId !== toB && d.consentId !== toC)!;
      expect(forged.consentStatusThen).to.equal("NONE");
      expect(forged.problems).to.include("no such consent on chain");
      expect(report.findings.length).to.be.greaterThan(0);
    });

    it("finds a disclosure to a bank the consent does not name, and of fields outside its mask", async () => {
      const bankB = await f.ledgerB.account();
      const bankC = await f.ledgerC.account();
      const report = await tamperedAuditor([
        forgeDisclosure(honestDisclosure, toB, bankC, fieldMaskOf(["address"])),
      ]).inspectDisclosures(uid);
      const forged = report.disclosures.find((d) => d.consentId === toB && d.grantee === bankC)!;
      expect(forged.problems).to.include(`consent names grantee ${bankB}, not ${bankC}`);
      expect(forged.problems).to.include("fields outside the consent's mask");
      expect(report.findings.length).to.equal(forged.problems.length);
    });

    it("finds a disclosure made after the consent was revoked", async () => {
      const later = await f.ledgerA.anchorBatch([await f.record()]); // a bank A transaction after the revocation
      const log = (await f.provider.getTransactionReceipt(later.txHash))!.logs[0]!;
      const report = await tamperedAuditor([
        forgeDisclosure({ ...log, address: honestDisclosure.address } as Log, toB, await f.ledgerB.account()),
      ]).inspectDisclosures(uid);
      expect(report.findings.some((x) => x.includes(`consent ${toB} was REVOKED`))).to.equal(true);
    });
  });

  describe("verifyField", () => {
    let uid: Hex;
    let disclosure: ReturnType<typeof discloseFields>[number];
    before(async () => {
      const commitment = commitRecord(person);
      ({ uid } = await anchorOne(commitment.root));
      disclosure = discloseFields(commitment, ["fullName"])[0]!;
    });

    it("proves the value the customer hands over against the anchored root, without echoing it", async () => {
      const report = await auditor.verifyField({ uid, ...disclosure! });
      expect(report).to.include({ matches: true, field: "fullName", attestationStatus: "VALID" });
      expect(report.findings).to.deep.equal([]);
      expect(JSON.stringify(toJsonSafe(report))).to.not.include("TÁM");
    });

    it("accepts the value as typed when it canonicalises to the committed one", async () => {
      expect((await auditor.verifyField({ uid, ...disclosure!, value: "  lê   văn tám " })).matches).to.equal(true);
    });

    it("refutes another value, another salt or another proof", async () => {
      for (const tampered of [
        { value: "LÊ VĂN TÂM" },
        { salt: randomHash() },
        { proof: [randomHash(), ...disclosure!.proof.slice(1)] },
      ]) {
        const report = await auditor.verifyField({ uid, ...disclosure!, ...tampered });
        expect(report.matches).to.equal(false);
        expect(report.findings).to.deep.equal(["fullName does not match the anchored record root"]);
      }
    });

    it("INVALID_ARGUMENT for an unknown field name, a malformed salt or proof; ATTESTATION_NOT_FOUND for an unknown uid", async () => {
      expect(await codeOf(auditor.verifyField({ uid, ...disclosure!, name: "shoeSize" }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(auditor.verifyField({ uid, ...disclosure!, salt: "0x12" }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(auditor.verifyField({ uid, ...disclosure!, proof: ["0xzz"] }))).to.equal("INVALID_ARGUMENT");
      expect(
        await codeOf(auditor.verifyField({ uid, ...disclosure!, name: "dateOfBirth", value: "31/02/1990" })),
      ).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(auditor.verifyField({ ...disclosure!, uid: randomHash() }))).to.equal(
        "ATTESTATION_NOT_FOUND",
      );
    });
  });
});
