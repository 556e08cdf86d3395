import { expect } from "chai";
import { Wallet } from "ethers";
import { Purpose, signConsentGrant, type Hex } from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";
import {
  ChainLedgerReads,
  chainAttestationLocator,
  type AttestationLocator,
} from "../../../node/src/onboarding/adapters/chain-ledger-reads.ts";
import { deployedConsortium } from "../ledger/fixture.ts";
import { ledgerReadsContract } from "../api/contracts/ledger-reads-contract.ts";
import { buildApp } from "../../../node/src/api/app.ts";
import { generateApiKey } from "../../../node/src/api/auth.ts";
import { apiConfig } from "../../../node/src/api/config.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { createFakeServices } from "../api/fakes.ts";

type Consortium = Awaited<ReturnType<typeof deployedConsortium>>;

/** One anchored attestation issued by bank A, and an ACTIVE consent on it granted to bank B. */
async function anchoredWithConsent(f: Consortium): Promise<{ uid: Hex; consentId: Hex }> {
  const subject = Wallet.createRandom();
  const batch = await f.ledgerA.anchorBatch([
    await f.record(),
    await f.record(subject.address as Hex),
    await f.record(),
  ]);
  const uid = batch.uids[1]!;
  const t = await f.now();
  const domain = { chainId: await f.ledgerA.chainId(), verifyingContract: f.addresses.consents };
  const grant = {
    attestationUid: uid,
    grantee: await f.ledgerB.account(),
    purpose: Purpose.ONBOARDING,
    fieldMask: 0b101,
    validUntil: t + 3600n,
    nonce: 1n,
    deadline: t + 600n,
  };
  const { consentId } = await f.ledgerB.grantConsentBySig(
    grant,
    batch.proofs[1]!,
    await signConsentGrant(subject, domain, grant),
  );
  return { uid, consentId };
}

ledgerReadsContract("ChainLedgerReads on a Hardhat chain", async () => {
  const f = await deployedConsortium();
  const { uid, consentId } = await anchoredWithConsent(f);
  // The proof is found from public chain data alone (no vault), as for another member's attestation.
  const reads = new ChainLedgerReads({
    ledger: f.ledgerA,
    locators: [chainAttestationLocator(f.provider, f.addresses.attestations)],
  });
  return { reads, admin: reads, validUid: uid, activeConsentId: consentId };
});

describe("ChainLedgerReads", () => {
  let f: Consortium;
  let uid: Hex;
  before(async () => {
    f = await deployedConsortium();
    ({ uid } = await anchoredWithConsent(f));
  });

  const counting = (inner: AttestationLocator) => {
    let calls = 0;
    return {
      locator: {
        findProof: (u: Hex) => {
          calls++;
          return inner.findProof(u);
        },
      },
      calls: () => calls,
    };
  };

  it("asks the locators once per uid: anchored proofs are cached", async () => {
    const c = counting(chainAttestationLocator(f.provider, f.addresses.attestations));
    const reads = new ChainLedgerReads({ ledger: f.ledgerB, locators: [c.locator] });
    for (let i = 0; i < 3; i++) expect((await reads.attestationStatus(uid)).status).to.equal("VALID");
    expect(c.calls()).to.equal(1);
  });

  it("tries locators in order and stops at the first that knows the uid", async () => {
    const empty = counting({ findProof: async () => null });
    const chain = counting(chainAttestationLocator(f.provider, f.addresses.attestations));
    const reads = new ChainLedgerReads({ ledger: f.ledgerA, locators: [empty.locator, chain.locator] });
    await reads.attestationStatus(uid);
    expect([empty.calls(), chain.calls()]).to.deep.equal([1, 1]);
  });

  it("reports PENDING for a uid queued in the outbox and not anchored yet", async () => {
    const queued: Hex = `0x${"77".repeat(32)}`;
    const reads = new ChainLedgerReads({
      ledger: f.ledgerA,
      locators: [chainAttestationLocator(f.provider, f.addresses.attestations)],
      isPending: async (u) => u === queued,
    });
    expect((await reads.attestationStatus(queued)).status).to.equal("PENDING");
  });

  it("lets only the issuer revoke: another member gets CONTRACT_REVERT NotIssuer", async () => {
    const reads = new ChainLedgerReads({
      ledger: f.ledgerB,
      locators: [chainAttestationLocator(f.provider, f.addresses.attestations)],
    });
    const error = await reads.revoke(uid, "FRAUD_SUSPECTED").then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKycnetError(error, "CONTRACT_REVERT")).to.equal(true);
    expect((error as { revert?: string }).revert).to.equal("NotIssuer");
  });

  it("serves status and revocation through the HTTP API, and maps a second revocation to 409", async () => {
    const reads = new ChainLedgerReads({
      ledger: f.ledgerA,
      locators: [chainAttestationLocator(f.provider, f.addresses.attestations)],
    });
    const operator = generateApiKey("ops", "operator");
    const real = await buildApp(
      {
        services: { ...createFakeServices(), ledger: reads, attestations: reads },
        metrics: createMetrics({ processMetrics: false }),
        logger: createLogger({ level: "silent" }),
        readinessChecks: [],
      },
      apiConfig({ apiKeys: [operator.entry] }),
    );
    const headers = { authorization: `Bearer ${operator.key}` };
    const { uid: fresh } = await anchoredWithConsent(f);
    expect(
      (await real.inject({ method: "GET", url: `/v1/attestations/${fresh}/status`, headers })).json().status,
    ).to.equal("VALID");
    const revoked = await real.inject({
      method: "POST",
      url: `/v1/attestations/${fresh}/revoke`,
      headers,
      payload: { reason: "DATA_CORRECTED" },
    });
    expect(revoked.statusCode).to.equal(200);
    expect(
      (await real.inject({ method: "GET", url: `/v1/attestations/${fresh}/status`, headers })).json().status,
    ).to.equal("REVOKED");
    const again = await real.inject({
      method: "POST",
      url: `/v1/attestations/${fresh}/revoke`,
      headers,
      payload: { reason: "DATA_CORRECTED" },
    });
    expect(again.statusCode).to.equal(409);
    expect(again.json().code).to.equal("CONTRACT_REVERT");
    await real.close();
  });
});
