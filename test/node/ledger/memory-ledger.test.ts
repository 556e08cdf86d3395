import { expect } from "chai";
import { Wallet, ZeroHash, hexlify, randomBytes } from "ethers";
import {
  AssuranceLevel, Method, Purpose, RevocationReason, attestationUid, encodePipelineVersion, signConsentGrant,
  type AttestationData, type ConsentGrant, type Hex,
} from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";
import { createMemoryConsortium, MEMORY_CONTRACT_ADDRESSES } from "../../../node/src/ledger/memory/memory-ledger.ts";
import { describeLedgerClientCompliance, expectRevert } from "./ledger-client.compliance.ts";

const START = 1_900_000_000n;
const member = (name: string) => ({
  account: Wallet.createRandom().address as Hex, name, peerId: randomBytes(38), transportKey: new Uint8Array([2, ...randomBytes(32)]),
});

function consortium() {
  let t = START;
  const members = [member("Bank A"), member("Bank B"), member("Bank C")];
  const chain = createMemoryConsortium({ chainId: 31337n, members, clock: () => t });
  return {
    chain, members,
    advance: (seconds: bigint) => { t += seconds; chain.mineEmptyBlock(); },
    setClock: (at: bigint) => { t = at; },
    ledgerA: chain.ledgerFor(members[0]!.account), ledgerB: chain.ledgerFor(members[1]!.account), ledgerC: chain.ledgerFor(members[2]!.account),
  };
}

describeLedgerClientCompliance("memory fake", async () => {
  const c = consortium();
  return {
    ledgerA: c.ledgerA, ledgerB: c.ledgerB, ledgerC: c.ledgerC,
    outsider: c.chain.ledgerFor(Wallet.createRandom().address as Hex), readOnly: c.chain.ledgerFor(null),
    now: async () => c.chain.now(), chainId: c.chain.chainId, addresses: c.chain.addresses,
    setNextBlockTime: async (t: bigint) => c.setClock(t),
  };
});

describe("node/ledger memory fake", () => {
  const record = (subject: Hex, t: bigint, overrides: Partial<AttestationData> = {}): AttestationData => ({
    subject, recordRoot: hexlify(randomBytes(32)) as Hex, method: Method.FULL_EKYC, assuranceLevel: AssuranceLevel.LEVEL_2,
    pipelineVersion: encodePipelineVersion("ekyc/memory"), issuedAt: t, expiresAt: t + 1000n, refUid: ZeroHash as Hex, ...overrides,
  });

  async function grantedConsent(c: ReturnType<typeof consortium>) {
    const subject = Wallet.createRandom();
    const [proof] = (await c.ledgerA.anchorBatch([record(subject.address as Hex, c.chain.now())])).proofs;
    const t = c.chain.now();
    const grant: ConsentGrant = {
      attestationUid: attestationUid({ chainId: c.chain.chainId, registry: c.chain.addresses.attestations }, proof!.issuer, proof!.data),
      grantee: c.members[1]!.account, purpose: Purpose.ONBOARDING, fieldMask: 0b11, validUntil: t + 500n, nonce: 1n, deadline: t + 100n,
    };
    const domain = { chainId: c.chain.chainId, verifyingContract: c.chain.addresses.consents };
    const { consentId } = await c.ledgerB.grantConsentBySig(grant, proof!, await signConsentGrant(subject, domain, grant));
    return { subject, proof: proof!, grant, consentId, domain };
  }

  describe("createMemoryConsortium", () => {
    it("uses the fixed fake contract addresses unless told otherwise", () => {
      expect(consortium().chain.addresses).to.deep.equal(MEMORY_CONTRACT_ADDRESSES);
    });
    it("refuses a member with a bad transport key, an empty peer id, or a peer id used twice", () => {
      const bad = [
        [{ ...member("X"), transportKey: new Uint8Array(33) }],
        [{ ...member("X"), peerId: new Uint8Array(0) }],
        (() => { const m = member("X"); return [m, { ...member("Y"), peerId: m.peerId }]; })(),
      ];
      for (const members of bad) {
        expect(() => createMemoryConsortium({ members }), JSON.stringify(members.map((m) => m.name))).to.throw().that.satisfies(
          (e: unknown) => isKycnetError(e, "INVALID_ARGUMENT"));
      }
    });
    it("mines each write in its own block, at least one second after the last", async () => {
      const c = consortium();
      const first = await c.ledgerA.anchorBatch([record(Wallet.createRandom().address as Hex, START)]);
      const second = await c.ledgerA.anchorBatch([record(Wallet.createRandom().address as Hex, START)]);
      expect(second.blockNumber).to.equal(first.blockNumber + 1);
      expect(second.txHash).to.not.equal(first.txHash);
      expect(c.chain.now()).to.equal(START + 2n);
    });
    it("does not mine a block when a write reverts", async () => {
      const c = consortium();
      const before = c.chain.now();
      await expectRevert(c.chain.ledgerFor(Wallet.createRandom().address as Hex).anchorBatch([record(Wallet.createRandom().address as Hex, START)]), "NotActiveMember");
      expect(c.chain.now()).to.equal(before);
    });
  });

  describe("time", () => {
    it("reads at the latest block's time: a moved clock is seen after the next block", async () => {
      const c = consortium();
      const [p] = (await c.ledgerA.anchorBatch([record(Wallet.createRandom().address as Hex, START)])).proofs;
      expect(await c.ledgerB.attestationStatus(p!)).to.equal("VALID");
      c.advance(2000n);
      expect(await c.ledgerB.attestationStatus(p!)).to.equal("EXPIRED");
    });
    it("refuses a disclosure with ConsentExpired once validUntil has passed", async () => {
      const c = consortium();
      const g = await grantedConsent(c);
      c.advance(600n);
      expect(await c.ledgerA.consentStatus(g.consentId)).to.equal("EXPIRED");
      await expectRevert(c.ledgerA.recordDisclosure(g.consentId, 1, hexlify(randomBytes(32)) as Hex), "ConsentExpired");
    });
  });

  describe("removeMember", () => {
    it("makes the account inactive, keeps it findable by account and peer id, and stops its writes", async () => {
      const c = consortium();
      const [p] = (await c.ledgerA.anchorBatch([record(Wallet.createRandom().address as Hex, START)])).proofs;
      c.chain.removeMember(c.members[0]!.account);
      expect(await c.ledgerB.isActiveMember(c.members[0]!.account)).to.equal(false);
      const removed = await c.ledgerB.findMember(c.members[0]!.account);
      expect(removed?.active).to.equal(false);
      expect(removed?.removedAt).to.equal(c.chain.now());
      expect((await c.ledgerB.findMemberByPeerId(c.members[0]!.peerId))?.id).to.equal(removed?.id);
      await expectRevert(c.ledgerA.anchorBatch([record(Wallet.createRandom().address as Hex, START)]), "NotActiveMember");
      await expectRevert(c.ledgerA.revokeAttestation(p!, RevocationReason.ISSUER_LEFT_CONSORTIUM), "NotActiveMember");
    });
    it("refuses disclosures to a removed grantee with GranteeNotActiveMember", async () => {
      const c = consortium();
      const g = await grantedConsent(c);
      c.chain.removeMember(c.members[1]!.account);
      await expectRevert(c.ledgerA.recordDisclosure(g.consentId, 1, hexlify(randomBytes(32)) as Hex), "GranteeNotActiveMember");
    });
    it("refuses to remove an account that is not an active member's", () => {
      const c = consortium();
      c.chain.removeMember(c.members[2]!.account);
      for (const account of [c.members[2]!.account, Wallet.createRandom().address as Hex]) {
        expect(() => c.chain.removeMember(account)).to.throw().that.satisfies((e: unknown) => isKycnetError(e, "INVALID_ARGUMENT"));
      }
    });
  });

  describe("signatures as the contract checks them", () => {
    it("treats a malformed or short-form signature as signed by nobody (InvalidSubjectSignature)", async () => {
      const c = consortium();
      const subject = Wallet.createRandom();
      const [proof] = (await c.ledgerA.anchorBatch([record(subject.address as Hex, START)])).proofs;
      const t = c.chain.now();
      const grant: ConsentGrant = {
        attestationUid: attestationUid({ chainId: c.chain.chainId, registry: c.chain.addresses.attestations }, proof!.issuer, proof!.data),
        grantee: c.members[1]!.account, purpose: Purpose.ONBOARDING, fieldMask: 1, validUntil: t + 500n, nonce: 1n, deadline: t + 100n,
      };
      const good = await signConsentGrant(subject, { chainId: c.chain.chainId, verifyingContract: c.chain.addresses.consents }, grant);
      for (const bad of ["0x", "not hex", good.slice(0, 130), `${good.slice(0, 130)}00`]) {
        const error = await expectRevert(c.ledgerB.grantConsentBySig(grant, proof!, bad), "InvalidSubjectSignature");
        expect(error.args[0]).to.equal("0x0000000000000000000000000000000000000000");
      }
      await c.ledgerB.grantConsentBySig(grant, proof!, good);
    });
  });

  describe("hostile input", () => {
    const expectInvalid = async (label: string, promise: Promise<unknown>) => {
      const error = await promise.then(() => null, (e: unknown) => e);
      expect(isKycnetError(error, "INVALID_ARGUMENT"), `${label}: ${String(error)}`).to.equal(true);
    };
    it("rejects values the contracts' ABI could not carry with INVALID_ARGUMENT, before any check or block", async () => {
      const c = consortium();
      const g = await grantedConsent(c);
      const before = c.chain.now();
      const requestId = hexlify(randomBytes(32)) as Hex;
      await expectInvalid("mask over uint32", c.ledgerA.recordDisclosure(g.consentId, 2 ** 40, requestId));
      await expectInvalid("fractional mask", c.ledgerA.recordDisclosure(g.consentId, 1.5, requestId));
      await expectInvalid("short request id", c.ledgerA.recordDisclosure(g.consentId, 1, "0x12"));
      await expectInvalid("short consent id", c.ledgerA.consentStatus("0x12"));
      await expectInvalid("short consent id", c.ledgerA.findConsent("0x12"));
      await expectInvalid("bad account", c.ledgerA.findMember("0x12"));
      await expectInvalid("bad account", c.ledgerA.isActiveMember("0x12"));
      await expectInvalid("proof node", c.ledgerA.attestationStatus({ ...g.proof, proof: ["0xzz"] }));
      await expectInvalid("issuedAt over uint64", c.ledgerA.anchorBatch([record(g.subject.address as Hex, 1n << 64n)]));
      await expectInvalid("nonce over uint256", c.ledgerB.grantConsentBySig({ ...g.grant, nonce: 1n << 256n }, g.proof, "0x"));
      await expectInvalid("reason over uint8", c.ledgerA.revokeAttestation(g.proof, 300 as 1));
      expect(c.chain.now()).to.equal(before);
    });
  });
});
