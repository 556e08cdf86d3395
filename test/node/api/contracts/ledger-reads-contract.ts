/** What every LedgerReads + AttestationAdmin pair must do: statuses, NONE for unknown consents, coded errors. */
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { AttestationAdmin, LedgerReads } from "../../../../node/src/onboarding/ports.ts";

export interface LedgerReadsFixture {
  readonly reads: LedgerReads;
  readonly admin: AttestationAdmin;
  /** An attestation this node issued and anchored, currently VALID. */
  readonly validUid: Hex;
  /** A consent currently ACTIVE. */
  readonly activeConsentId: Hex;
  close?(): Promise<void>;
}

const UNKNOWN: Hex = `0x${"ee".repeat(32)}`;

export function ledgerReadsContract(name: string, makeFixture: () => Promise<LedgerReadsFixture>): void {
  describe(`LedgerReads and AttestationAdmin contract: ${name}`, () => {
    let f: LedgerReadsFixture;
    beforeEach(async () => {
      f = await makeFixture();
    });
    afterEach(async () => f.close?.());

    it("reports a valid attestation as VALID with the uid and a check time", async () => {
      const view = await f.reads.attestationStatus(f.validUid);
      expect(view).to.deep.include({ uid: f.validUid, status: "VALID" });
      expect(Date.parse(view.checkedAt)).to.not.be.NaN;
    });

    it("throws ATTESTATION_NOT_FOUND for an attestation it cannot locate", async () => {
      const e = await f.reads.attestationStatus(UNKNOWN).then(() => null, (error: unknown) => error);
      expect(isKycnetError(e, "ATTESTATION_NOT_FOUND"), String(e)).to.equal(true);
    });

    it("reports an active consent as ACTIVE and an unknown one as NONE", async () => {
      expect((await f.reads.consentStatus(f.activeConsentId)).status).to.equal("ACTIVE");
      expect(await f.reads.consentStatus(UNKNOWN)).to.deep.include({ consentId: UNKNOWN, status: "NONE" });
    });

    it("revokes at once: the status reads REVOKED right after, with a transaction hash", async () => {
      const result = await f.admin.revoke(f.validUid, "CUSTOMER_REQUEST");
      expect(result).to.deep.include({ uid: f.validUid, reason: "CUSTOMER_REQUEST" });
      expect(result.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect((await f.reads.attestationStatus(f.validUid)).status).to.equal("REVOKED");
    });

    it("throws ATTESTATION_NOT_FOUND when revoking an unknown attestation", async () => {
      const e = await f.admin.revoke(UNKNOWN, "FRAUD_SUSPECTED").then(() => null, (error: unknown) => error);
      expect(isKycnetError(e, "ATTESTATION_NOT_FOUND"), String(e)).to.equal(true);
    });
  });
}
