/**
 * The one compliance suite of the `LedgerClient` port (docs/architecture.md §3). It runs against the ethers
 * adapter on Hardhat (ethers-ledger.test.ts): any behaviour the node relies on is asserted here, so
 * a second adapter (another chain client, or a fake) runs this same suite before the node uses it.
 * Tests share one deployment and stay independent by using fresh subjects and records.
 */
import { expect } from "chai";
import { inspect } from "node:util";
import { Signature, Wallet, ZeroAddress, ZeroHash, concat, hexlify, randomBytes, toBeHex } from "ethers";
import {
  AssuranceLevel,
  Method,
  Purpose,
  RevocationReason,
  attestationUid,
  consentIdOf,
  encodePipelineVersion,
  signConsentGrant,
  signConsentRevocation,
  verifyBatchInclusion,
  type AttestationData,
  type AttestationProof,
  type ConsentGrant,
  type Hex,
} from "@kycnet/sdk/protocol";
import { isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";
import { ContractRevertError } from "../../../node/src/ledger/errors.ts";
import type { ContractAddresses, LedgerClient } from "../../../node/src/ledger/ledger-client.ts";

export interface LedgerClientFixture {
  /** Three active members of the same consortium. */
  readonly ledgerA: LedgerClient;
  readonly ledgerB: LedgerClient;
  readonly ledgerC: LedgerClient;
  /** Signs with an account that is not a member. */
  readonly outsider: LedgerClient;
  /** No signer at all. */
  readonly readOnly: LedgerClient;
  /** What the chain considers now (latest block time). */
  now(): Promise<bigint>;
  readonly chainId: bigint;
  readonly addresses: ContractAddresses;
  /** Fixes the time of the next block (after the latest one): Hardhat's evm_setNextBlockTimestamp. */
  setNextBlockTime(t: bigint): Promise<void>;
}

export async function expectRevert(promise: Promise<unknown>, name: string): Promise<ContractRevertError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) expect.fail(`expected revert ${name}, but it succeeded`);
  const shown = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : inspect(thrown);
  expect(thrown, shown).to.be.instanceOf(ContractRevertError);
  expect((thrown as ContractRevertError).revert, shown).to.equal(name);
  return thrown as ContractRevertError;
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKycnetError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
}

/** Order of secp256k1: s and n - s both verify, and OpenZeppelin accepts only the low one. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const randomHash = (): Hex => hexlify(randomBytes(32)) as Hex;

export function describeLedgerClientCompliance(name: string, setup: () => Promise<LedgerClientFixture>): void {
  describe(`LedgerClient compliance: ${name}`, function () {
    let f: LedgerClientFixture;
    before(async function () {
      f = await setup();
    });

    const record = async (
      subject: Hex = Wallet.createRandom().address as Hex,
      overrides: Partial<AttestationData> = {},
    ): Promise<AttestationData> => {
      const t = await f.now();
      return {
        subject,
        recordRoot: randomHash(),
        method: Method.FULL_EKYC,
        assuranceLevel: AssuranceLevel.LEVEL_1,
        pipelineVersion: encodePipelineVersion("ekyc/compliance"),
        issuedAt: t - 60n,
        expiresAt: t + 86_400n * 365n,
        refCommitment: ZeroHash as Hex,
        ...overrides,
      };
    };
    const domain = () => ({ chainId: f.chainId, verifyingContract: f.addresses.consents });
    const uidOf = (p: AttestationProof): Hex =>
      attestationUid({ chainId: f.chainId, registry: f.addresses.attestations }, p.issuer, p.data);

    /** A customer with an attestation anchored by bank A, and a grant to bank B they can sign. */
    const customer = async (grantOverrides: Partial<ConsentGrant> = {}) => {
      const subject = Wallet.createRandom();
      const [proof] = (await f.ledgerA.anchorBatch([await record(subject.address as Hex)])).proofs;
      const t = await f.now();
      const grant: ConsentGrant = {
        attestationUid: uidOf(proof!),
        grantee: await f.ledgerB.account(),
        purpose: Purpose.ONBOARDING,
        fieldMask: 0b111,
        validUntil: t + 3600n,
        nonce: BigInt(hexlify(randomBytes(8))),
        deadline: t + 600n,
        ...grantOverrides,
      };
      return {
        subject,
        proof: proof!,
        grant,
        sign: (g: ConsentGrant = grant) => signConsentGrant(subject, domain(), g),
      };
    };
    const granted = async () => {
      const c = await customer();
      const { consentId } = await f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign());
      return { ...c, consentId };
    };

    describe("identity", () => {
      it("reports the chain id and the addresses it was built with", async () => {
        expect(await f.ledgerA.chainId()).to.equal(f.chainId);
        expect(f.ledgerA.addresses).to.deep.equal(f.addresses);
      });
    });

    describe("members", () => {
      it("finds a member by account and by peer id", async () => {
        const a = await f.ledgerB.findMember(await f.ledgerA.account());
        expect(a).to.not.equal(null);
        expect(a!.account).to.equal(await f.ledgerA.account());
        expect(a!.active).to.equal(true);
        expect(a!.removedAt).to.equal(0n);
        expect(a!.id).to.be.greaterThan(0);
        const byPeer = await f.ledgerC.findMemberByPeerId(a!.peerId);
        expect(byPeer?.id).to.equal(a!.id);
        expect(byPeer?.transportKey).to.deep.equal(a!.transportKey);
      });
      it("gives distinct members distinct ids", async () => {
        const ids = await Promise.all(
          [f.ledgerA, f.ledgerB, f.ledgerC].map(async (l) => (await f.readOnly.findMember(await l.account()))!.id),
        );
        expect(new Set(ids).size).to.equal(3);
      });
      it("returns null for a stranger's account and an unknown peer id", async () => {
        expect(await f.ledgerA.findMember(Wallet.createRandom().address as Hex)).to.equal(null);
        expect(await f.ledgerA.findMember(await f.outsider.account())).to.equal(null);
        expect(await f.ledgerA.findMemberByPeerId(randomBytes(38))).to.equal(null);
      });
      it("tells active members from outsiders", async () => {
        expect(await f.readOnly.isActiveMember(await f.ledgerC.account())).to.equal(true);
        expect(await f.readOnly.isActiveMember(await f.outsider.account())).to.equal(false);
      });
    });

    describe("anchorBatch", () => {
      it("returns uids, the batch root and one proof per record that the same adapter accepts as VALID", async () => {
        const records = await Promise.all(Array.from({ length: 5 }, () => record()));
        const batch = await f.ledgerA.anchorBatch(records);
        expect(batch.uids).to.have.length(5);
        expect(batch.proofs).to.have.length(5);
        expect(batch.blockNumber).to.be.a("number");
        expect(batch.txHash).to.match(/^0x[0-9a-f]{64}$/);
        for (const [i, p] of batch.proofs.entries()) {
          expect(p.issuer).to.equal(await f.ledgerA.account());
          expect(p.batchRoot).to.equal(batch.batchRoot);
          expect(uidOf(p)).to.equal(batch.uids[i]);
          expect(verifyBatchInclusion(batch.batchRoot, batch.uids[i]!, p.proof)).to.equal(true);
          expect(await f.ledgerB.attestationStatus(p)).to.equal("VALID");
        }
      });
      it("reverts with BatchAlreadyAnchored when the same batch is sent again", async () => {
        const records = [await record()];
        const first = await f.ledgerA.anchorBatch(records);
        const error = await expectRevert(f.ledgerA.anchorBatch(records), "BatchAlreadyAnchored");
        expect(String(error.args[0]).toLowerCase()).to.equal(first.batchRoot.toLowerCase());
      });
      it("lets another member anchor the same records (their uids differ by issuer)", async () => {
        const records = [await record()];
        const a = await f.ledgerA.anchorBatch(records);
        const b = await f.ledgerB.anchorBatch(records);
        expect(b.uids[0]).to.not.equal(a.uids[0]);
      });
      it("reverts with NotActiveMember for an outsider", async () => {
        const error = await expectRevert(f.outsider.anchorBatch([await record()]), "NotActiveMember");
        expect(String(error.args[0]).toLowerCase()).to.equal((await f.outsider.account()).toLowerCase());
      });
      it("reverts the whole batch with InvalidAttestation(index, reason) for a bad record", async () => {
        const error = await expectRevert(
          f.ledgerA.anchorBatch([await record(), await record(undefined, { method: Method.REUSE })]),
          "InvalidAttestation",
        );
        expect(error.args.map(String)).to.deep.equal(["1", "6"]);
        const expiry = await expectRevert(
          f.ledgerA.anchorBatch([await record(undefined, { expiresAt: 1n, issuedAt: 1n })]),
          "InvalidAttestation",
        );
        expect(expiry.args.map(String)).to.deep.equal(["0", "5"]);
      });
      it("rejects an empty batch before sending anything", async () => {
        await expectCode(f.ledgerA.anchorBatch([]), "INVALID_ARGUMENT");
      });
    });

    describe("attestationStatus", () => {
      it("is UNKNOWN before issuedAt, VALID until expiresAt, EXPIRED from then on", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        expect(await f.ledgerA.attestationStatus(p!, p!.data.issuedAt - 1n)).to.equal("UNKNOWN");
        expect(await f.ledgerA.attestationStatus(p!, p!.data.expiresAt - 1n)).to.equal("VALID");
        expect(await f.ledgerA.attestationStatus(p!, p!.data.expiresAt)).to.equal("EXPIRED");
      });
      it("is UNKNOWN at a time after issuedAt but before the batch was anchored", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        expect(await f.ledgerA.attestationStatus(p!, p!.data.issuedAt)).to.equal("UNKNOWN");
        expect(await f.ledgerA.attestationStatus(p!, await f.now())).to.equal("VALID");
      });
      it("is UNKNOWN for a proof naming another issuer or a batch never anchored", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        expect(await f.ledgerA.attestationStatus({ ...p!, issuer: await f.ledgerB.account() })).to.equal("UNKNOWN");
        expect(await f.ledgerA.attestationStatus({ ...p!, batchRoot: randomHash() })).to.equal("UNKNOWN");
        expect(await f.ledgerA.attestationStatus({ ...p!, data: { ...p!.data, recordRoot: randomHash() } })).to.equal(
          "UNKNOWN",
        );
      });
    });

    describe("revokeAttestation", () => {
      it("lets the issuer revoke; the status is REVOKED from then on, VALID before", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        const before = await f.now();
        await f.ledgerA.revokeAttestation(p!, RevocationReason.DATA_CORRECTED);
        expect(await f.ledgerB.attestationStatus(p!)).to.equal("REVOKED");
        expect(await f.ledgerB.attestationStatus(p!, before)).to.equal("VALID");
      });
      it("reverts with NotIssuer for another member", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        await expectRevert(f.ledgerB.revokeAttestation(p!, RevocationReason.FRAUD_SUSPECTED), "NotIssuer");
        expect(await f.ledgerB.attestationStatus(p!)).to.equal("VALID");
      });
      it("reverts with NotActiveMember for an outsider", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        await expectRevert(f.outsider.revokeAttestation(p!, RevocationReason.FRAUD_SUSPECTED), "NotActiveMember");
      });
      it("reverts with AlreadyRevoked the second time", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        await f.ledgerA.revokeAttestation(p!, RevocationReason.CUSTOMER_REQUEST);
        await expectRevert(f.ledgerA.revokeAttestation(p!, RevocationReason.CUSTOMER_REQUEST), "AlreadyRevoked");
      });
      it("reverts with UnknownAttestation for a proof of nothing anchored", async () => {
        const [p] = (await f.ledgerA.anchorBatch([await record()])).proofs;
        await expectRevert(
          f.ledgerA.revokeAttestation({ ...p!, batchRoot: randomHash() }, RevocationReason.CUSTOMER_REQUEST),
          "UnknownAttestation",
        );
      });
    });

    describe("grantConsentBySig", () => {
      it("grants under the subject's signature; the consent id is consentIdOf(grant) and the record is readable", async () => {
        const c = await customer();
        const { consentId } = await f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign());
        expect(consentId).to.equal(consentIdOf(c.grant));
        expect(await f.ledgerC.consentStatus(consentId)).to.equal("ACTIVE");
        const stored = await f.ledgerA.findConsent(consentId);
        expect(stored).to.not.equal(null);
        expect(stored!.consentId).to.equal(consentId);
        expect(stored!.attestationUid.toLowerCase()).to.equal(c.grant.attestationUid.toLowerCase());
        expect(stored!.subject).to.equal(c.subject.address);
        expect(stored!.grantee).to.equal(c.grant.grantee);
        expect(stored!.purpose).to.equal(Purpose.ONBOARDING);
        expect(stored!.fieldMask).to.equal(0b111);
        expect(stored!.validUntil).to.equal(c.grant.validUntil);
        expect(stored!.revokedAt).to.equal(0n);
        expect(stored!.issuerMemberId).to.equal((await f.ledgerA.findMember(await f.ledgerA.account()))!.id);
      });
      it("can be relayed by any active member, not only the grantee", async () => {
        const c = await customer();
        const { consentId } = await f.ledgerC.grantConsentBySig(c.grant, c.proof, await c.sign());
        expect(await f.ledgerA.consentStatus(consentId)).to.equal("ACTIVE");
      });
      it("reverts with InvalidSubjectSignature when another key signs", async () => {
        const c = await customer();
        const forged = await signConsentGrant(Wallet.createRandom(), domain(), c.grant);
        const error = await expectRevert(
          f.ledgerB.grantConsentBySig(c.grant, c.proof, forged),
          "InvalidSubjectSignature",
        );
        expect(String(error.args[1]).toLowerCase()).to.equal(c.subject.address.toLowerCase());
      });
      it("reverts with InvalidSubjectSignature for a signature over another grant", async () => {
        const c = await customer();
        await expectRevert(
          f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign({ ...c.grant, fieldMask: 0x7ff })),
          "InvalidSubjectSignature",
        );
      });
      it("treats a malleable (high-s) copy or a 64-byte short form of a valid signature as signed by nobody", async () => {
        const c = await customer();
        const valid = Signature.from(await c.sign());
        // (r, n - s, flipped v) recovers the same key; ethers refuses to build it, so assemble the bytes.
        const highSBytes = concat([
          valid.r,
          toBeHex(SECP256K1_N - BigInt(valid.s), 32),
          toBeHex(valid.v === 27 ? 28 : 27, 1),
        ]);
        for (const signature of [highSBytes, valid.compactSerialized]) {
          const error = await expectRevert(
            f.ledgerB.grantConsentBySig(c.grant, c.proof, signature),
            "InvalidSubjectSignature",
          );
          expect(error.args[0]).to.equal(ZeroAddress);
        }
        await f.ledgerB.grantConsentBySig(c.grant, c.proof, valid.serialized);
      });
      it("reverts with NonceAlreadyUsed when another grant reuses a (subject, nonce)", async () => {
        const c = await granted();
        const again = { ...c.grant, purpose: Purpose.PERIODIC_REVIEW };
        await expectRevert(f.ledgerB.grantConsentBySig(again, c.proof, await c.sign(again)), "NonceAlreadyUsed");
      });
      it("reverts with ConsentAlreadyExists when the very same grant is relayed again", async () => {
        const c = await granted();
        await expectRevert(f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign()), "ConsentAlreadyExists");
      });
      it("accepts nonces in any order (unordered nonces)", async () => {
        const c = await customer({ nonce: 1000n });
        await f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign());
        const earlier = { ...c.grant, nonce: 3n, grantee: await f.ledgerC.account() };
        const { consentId } = await f.ledgerC.grantConsentBySig(earlier, c.proof, await c.sign(earlier));
        expect(await f.ledgerC.consentStatus(consentId)).to.equal("ACTIVE");
      });
      it("reverts with NotActiveMember when an outsider relays", async () => {
        const c = await customer();
        await expectRevert(f.outsider.grantConsentBySig(c.grant, c.proof, await c.sign()), "NotActiveMember");
      });
      it("reverts with GranteeNotActiveMember when the grantee is not a member", async () => {
        const c = await customer({ grantee: await f.outsider.account() });
        await expectRevert(f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign()), "GranteeNotActiveMember");
      });
      it("reverts with SignatureExpired after the deadline", async () => {
        const c = await customer();
        const late = { ...c.grant, deadline: (await f.now()) - 1n };
        await expectRevert(f.ledgerB.grantConsentBySig(late, c.proof, await c.sign(late)), "SignatureExpired");
      });
      it("reverts with AttestationMismatch when the grant names another attestation", async () => {
        const c = await customer({ attestationUid: randomHash() });
        await expectRevert(f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign()), "AttestationMismatch");
      });
      it("reverts with AttestationNotValid for a revoked attestation", async () => {
        const c = await customer();
        await f.ledgerA.revokeAttestation(c.proof, RevocationReason.FRAUD_SUSPECTED);
        await expectRevert(f.ledgerB.grantConsentBySig(c.grant, c.proof, await c.sign()), "AttestationNotValid");
      });
      it("reverts with InvalidFieldMask for an empty mask and InvalidPurpose for purpose 0", async () => {
        const c = await customer();
        const empty = { ...c.grant, fieldMask: 0 };
        await expectRevert(f.ledgerB.grantConsentBySig(empty, c.proof, await c.sign(empty)), "InvalidFieldMask");
        const noPurpose = { ...c.grant, purpose: 0 as ConsentGrant["purpose"] };
        await expectRevert(f.ledgerB.grantConsentBySig(noPurpose, c.proof, await c.sign(noPurpose)), "InvalidPurpose");
      });
      it("reverts with InvalidValidUntil for a consent that would already have ended", async () => {
        const c = await customer();
        const past = { ...c.grant, validUntil: (await f.now()) - 10n };
        await expectRevert(f.ledgerB.grantConsentBySig(past, c.proof, await c.sign(past)), "InvalidValidUntil");
      });
    });

    describe("consentStatus and findConsent", () => {
      it("is NONE before the grant, ACTIVE until validUntil, EXPIRED from then on", async () => {
        const c = await granted();
        const stored = (await f.ledgerA.findConsent(c.consentId))!;
        expect(await f.ledgerA.consentStatus(c.consentId, stored.grantedAt - 1n)).to.equal("NONE");
        expect(await f.ledgerA.consentStatus(c.consentId, stored.grantedAt)).to.equal("ACTIVE");
        expect(await f.ledgerA.consentStatus(c.consentId, stored.validUntil - 1n)).to.equal("ACTIVE");
        expect(await f.ledgerA.consentStatus(c.consentId, stored.validUntil)).to.equal("EXPIRED");
      });
      it("returns null and NONE for an unknown consent id", async () => {
        const id = randomHash();
        expect(await f.ledgerA.findConsent(id)).to.equal(null);
        expect(await f.ledgerA.consentStatus(id)).to.equal("NONE");
      });
    });

    describe("revokeConsentBySig", () => {
      it("revokes under the subject's signature: REVOKED from then on, ACTIVE before", async () => {
        const c = await granted();
        const t = await f.now();
        const revocation = { consentId: c.consentId, nonce: c.grant.nonce + 1n, deadline: t + 600n };
        await f.ledgerC.revokeConsentBySig(revocation, await signConsentRevocation(c.subject, domain(), revocation));
        expect(await f.ledgerA.consentStatus(c.consentId)).to.equal("REVOKED");
        expect(await f.ledgerA.consentStatus(c.consentId, t)).to.equal("ACTIVE");
        expect((await f.ledgerA.findConsent(c.consentId))!.revokedAt).to.be.greaterThan(t);
      });
      it("reverts with InvalidSubjectSignature when another key signs", async () => {
        const c = await granted();
        const revocation = { consentId: c.consentId, nonce: c.grant.nonce + 1n, deadline: (await f.now()) + 600n };
        await expectRevert(
          f.ledgerC.revokeConsentBySig(
            revocation,
            await signConsentRevocation(Wallet.createRandom(), domain(), revocation),
          ),
          "InvalidSubjectSignature",
        );
      });
      it("reverts with NonceAlreadyUsed when the revocation reuses the grant's nonce", async () => {
        const c = await granted();
        const revocation = { consentId: c.consentId, nonce: c.grant.nonce, deadline: (await f.now()) + 600n };
        await expectRevert(
          f.ledgerC.revokeConsentBySig(revocation, await signConsentRevocation(c.subject, domain(), revocation)),
          "NonceAlreadyUsed",
        );
        expect(await f.ledgerA.consentStatus(c.consentId)).to.equal("ACTIVE");
      });
      it("reverts with ConsentAlreadyRevoked the second time", async () => {
        const c = await granted();
        const deadline = (await f.now()) + 600n;
        const first = { consentId: c.consentId, nonce: c.grant.nonce + 1n, deadline };
        await f.ledgerC.revokeConsentBySig(first, await signConsentRevocation(c.subject, domain(), first));
        const second = { ...first, nonce: c.grant.nonce + 2n };
        await expectRevert(
          f.ledgerC.revokeConsentBySig(second, await signConsentRevocation(c.subject, domain(), second)),
          "ConsentAlreadyRevoked",
        );
      });
      it("reverts with UnknownConsent for an id never granted", async () => {
        const subject = Wallet.createRandom();
        const revocation = { consentId: randomHash(), nonce: 1n, deadline: (await f.now()) + 600n };
        await expectRevert(
          f.ledgerC.revokeConsentBySig(revocation, await signConsentRevocation(subject, domain(), revocation)),
          "UnknownConsent",
        );
      });
    });

    describe("recordDisclosure", () => {
      it("records a disclosure by the issuing member within the granted fields", async () => {
        const c = await granted();
        const tx = await f.ledgerA.recordDisclosure(c.consentId, 0b101, randomHash());
        expect(tx.txHash).to.match(/^0x[0-9a-f]{64}$/);
      });
      it("reverts with FieldsNotGranted for a field outside the grant", async () => {
        const c = await granted();
        const error = await expectRevert(
          f.ledgerA.recordDisclosure(c.consentId, 0b1001, randomHash()),
          "FieldsNotGranted",
        );
        expect(error.args.slice(1).map(String)).to.deep.equal(["9", "7"]);
      });
      it("reverts with NotAttestationIssuer when another member records it", async () => {
        const c = await granted();
        await expectRevert(f.ledgerB.recordDisclosure(c.consentId, 0b1, randomHash()), "NotAttestationIssuer");
      });
      it("reverts with NotActiveMember for an outsider", async () => {
        const c = await granted();
        await expectRevert(f.outsider.recordDisclosure(c.consentId, 0b1, randomHash()), "NotActiveMember");
      });
      it("reverts with UnknownConsent for an id never granted", async () => {
        await expectRevert(f.ledgerA.recordDisclosure(randomHash(), 0b1, randomHash()), "UnknownConsent");
      });
      it("is refused with ConsentAlreadyRevoked once the consent is revoked", async () => {
        const c = await granted();
        const revocation = { consentId: c.consentId, nonce: c.grant.nonce + 1n, deadline: (await f.now()) + 600n };
        await f.ledgerB.revokeConsentBySig(revocation, await signConsentRevocation(c.subject, domain(), revocation));
        await expectRevert(f.ledgerA.recordDisclosure(c.consentId, 0b1, randomHash()), "ConsentAlreadyRevoked");
      });
      it("is refused with AttestationRevoked once the attestation is revoked", async () => {
        const c = await granted();
        await f.ledgerA.revokeAttestation(c.proof, RevocationReason.DOCUMENT_EXPIRED);
        await expectRevert(f.ledgerA.recordDisclosure(c.consentId, 0b1, randomHash()), "AttestationRevoked");
      });
    });

    describe("time-bound rules (the next block's time decides)", () => {
      it("relays a grant at its deadline second (inclusive), and refuses it one second later with SignatureExpired", async () => {
        const c = await customer();
        const t = (await f.now()) + 50n;
        const atDeadline = { ...c.grant, deadline: t, validUntil: t + 3600n };
        const lateByOne = { ...atDeadline, deadline: t - 1n, nonce: c.grant.nonce + 1n };
        await f.setNextBlockTime(t);
        await expectRevert(
          f.ledgerB.grantConsentBySig(lateByOne, c.proof, await c.sign(lateByOne)),
          "SignatureExpired",
        );
        const { consentId } = await f.ledgerB.grantConsentBySig(atDeadline, c.proof, await c.sign(atDeadline));
        expect((await f.ledgerA.findConsent(consentId))!.grantedAt).to.equal(t);
      });
      it("records a disclosure up to validUntil - 1, and refuses it at validUntil with ConsentExpired", async () => {
        const c = await granted();
        const { validUntil } = (await f.ledgerA.findConsent(c.consentId))!;
        await f.setNextBlockTime(validUntil - 1n);
        await f.ledgerA.recordDisclosure(c.consentId, 1, randomHash());
        await f.setNextBlockTime(validUntil);
        await expectRevert(f.ledgerA.recordDisclosure(c.consentId, 1, randomHash()), "ConsentExpired");
        expect(await f.ledgerA.consentStatus(c.consentId)).to.equal("ACTIVE"); // the refused write mined no block
        expect(await f.ledgerA.consentStatus(c.consentId, validUntil)).to.equal("EXPIRED");
      });
      it("refuses a disclosure with AttestationExpired once the attestation expires, though the consent still runs", async () => {
        const subject = Wallet.createRandom();
        const t = await f.now();
        const [proof] = (await f.ledgerA.anchorBatch([await record(subject.address as Hex, { expiresAt: t + 100n })]))
          .proofs;
        const grant: ConsentGrant = {
          attestationUid: uidOf(proof!),
          grantee: await f.ledgerB.account(),
          purpose: Purpose.ONBOARDING,
          fieldMask: 1,
          validUntil: t + 3600n,
          nonce: 1n,
          deadline: t + 50n,
        };
        const { consentId } = await f.ledgerB.grantConsentBySig(
          grant,
          proof!,
          await signConsentGrant(subject, domain(), grant),
        );
        await f.setNextBlockTime(t + 100n);
        await expectRevert(f.ledgerA.recordDisclosure(consentId, 1, randomHash()), "AttestationExpired");
        expect(await f.ledgerA.consentStatus(consentId)).to.equal("ACTIVE");
        expect(await f.ledgerA.attestationStatus(proof!)).to.equal("VALID"); // the refused write mined no block
        expect(await f.ledgerA.attestationStatus(proof!, t + 100n)).to.equal("EXPIRED");
      });
    });

    describe("read-only client", () => {
      it("reads like any other client", async () => {
        const c = await granted();
        expect(await f.readOnly.consentStatus(c.consentId)).to.equal("ACTIVE");
        expect(await f.readOnly.attestationStatus(c.proof)).to.equal("VALID");
        expect(await f.readOnly.chainId()).to.equal(f.chainId);
      });
      it("refuses every write and its own account with LEDGER_READ_ONLY", async () => {
        const c = await granted();
        const revocation = { consentId: c.consentId, nonce: c.grant.nonce + 1n, deadline: (await f.now()) + 600n };
        await expectCode(f.readOnly.account(), "LEDGER_READ_ONLY");
        await expectCode(f.readOnly.anchorBatch([await record()]), "LEDGER_READ_ONLY");
        await expectCode(f.readOnly.revokeAttestation(c.proof, RevocationReason.CUSTOMER_REQUEST), "LEDGER_READ_ONLY");
        await expectCode(f.readOnly.grantConsentBySig(c.grant, c.proof, await c.sign()), "LEDGER_READ_ONLY");
        await expectCode(
          f.readOnly.revokeConsentBySig(revocation, await signConsentRevocation(c.subject, domain(), revocation)),
          "LEDGER_READ_ONLY",
        );
        await expectCode(f.readOnly.recordDisclosure(c.consentId, 1, randomHash()), "LEDGER_READ_ONLY");
        expect(await f.readOnly.attestationStatus(c.proof)).to.equal("VALID");
        expect(await f.readOnly.consentStatus(c.consentId)).to.equal("ACTIVE");
      });
    });
    describe("hostile input", () => {
      const expectInvalid = async (label: string, promise: Promise<unknown>) => {
        const error = await promise.then(
          () => null,
          (e: unknown) => e,
        );
        expect(isKycnetError(error, "INVALID_ARGUMENT"), `${label}: ${String(error)}`).to.equal(true);
      };
      it("rejects values the contracts' ABI cannot carry with INVALID_ARGUMENT, never as an outage", async () => {
        const g = await granted();
        const requestId = hexlify(randomBytes(32)) as Hex;
        await expectInvalid("mask over uint32", f.ledgerA.recordDisclosure(g.consentId, 2 ** 40, requestId));
        await expectInvalid("short request id", f.ledgerA.recordDisclosure(g.consentId, 1, "0x12"));
        await expectInvalid("short consent id", f.ledgerA.consentStatus("0x12"));
        await expectInvalid("short consent id", f.ledgerA.findConsent("0x12"));
        await expectInvalid("bad account", f.ledgerA.findMember("0x12"));
        await expectInvalid("bad account", f.ledgerA.isActiveMember("0x12"));
        await expectInvalid("proof node", f.ledgerA.attestationStatus({ ...g.proof, proof: ["0xzz"] }));
        await expectInvalid(
          "issuedAt over uint64",
          f.ledgerA.anchorBatch([await record(g.subject.address as Hex, { issuedAt: 1n << 64n })]),
        );
        await expectInvalid(
          "nonce over uint256",
          f.ledgerB.grantConsentBySig({ ...g.grant, nonce: 1n << 256n }, g.proof, "0x"),
        );
        await expectInvalid("reason over uint8", f.ledgerA.revokeAttestation(g.proof, 300 as 1));
      });
    });
  });
}
