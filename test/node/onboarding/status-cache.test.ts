import { expect } from "chai";
import { ChainLedgerReads } from "../../../node/src/onboarding/adapters/chain-ledger-reads.ts";
import type { AttestationProof, Hex } from "@kycnet/sdk/protocol";

const UID: Hex = `0x${"aa".repeat(32)}`;
const CONSENT: Hex = `0x${"cc".repeat(32)}`;
const PROOF = { issuer: `0x${"11".repeat(20)}` } as unknown as AttestationProof;

describe("API ChainLedgerReads status cache (statusTtlMs)", () => {
  const setup = (ttl: number, startPending = false) => {
    let pending = startPending;
    let now = 1_000_000;
    const calls = { attestation: 0, consent: 0 };
    let status: "VALID" | "REVOKED" = "VALID";
    const reads = new ChainLedgerReads({
      ledger: {
        attestationStatus: async () => {
          calls.attestation += 1;
          return status;
        },
        consentStatus: async () => {
          calls.consent += 1;
          return "ACTIVE";
        },
        revokeAttestation: async () => {
          status = "REVOKED";
          return { txHash: UID, blockNumber: 1, gasUsed: 0n };
        },
      },
      locators: [{ findProof: async () => (pending ? null : PROOF) }],
      isPending: async () => pending,
      statusTtlMs: ttl,
      clock: () => now,
    });
    return {
      reads,
      calls,
      tick: (ms: number) => {
        now += ms;
      },
      anchor: () => {
        pending = false;
      },
    };
  };

  it("asks the chain again only after one block period", async () => {
    const { reads, calls, tick } = setup(1000);
    await reads.attestationStatus(UID);
    await reads.attestationStatus(UID);
    await reads.consentStatus(CONSENT);
    await reads.consentStatus(CONSENT);
    expect(calls).to.deep.equal({ attestation: 1, consent: 1 });
    tick(1000);
    await reads.attestationStatus(UID);
    expect(calls.attestation).to.equal(2);
  });

  it("forgets an attestation's status when this node revokes it", async () => {
    const { reads } = setup(60_000);
    expect((await reads.attestationStatus(UID)).status).to.equal("VALID");
    await reads.revoke(UID, "FRAUD_SUSPECTED");
    expect((await reads.attestationStatus(UID)).status).to.equal("REVOKED");
  });

  it("never caches PENDING (the outbox, not a block, ends it) and caches nothing with ttl 0", async () => {
    const pending = setup(60_000, true);
    expect((await pending.reads.attestationStatus(UID)).status).to.equal("PENDING");
    pending.anchor();
    expect((await pending.reads.attestationStatus(UID)).status).to.equal("VALID");
    const uncached = setup(0);
    await uncached.reads.attestationStatus(UID);
    await uncached.reads.attestationStatus(UID);
    expect(uncached.calls.attestation).to.equal(2);
  });
});
