/**
 * The service-port contracts on the in-memory fakes. The real implementations run the same suites in
 * test/node/onboarding/real-service-contracts.test.ts and chain-ledger-reads.test.ts.
 */
import { createFakeServices } from "./fakes.ts";
import { fakeJpeg } from "./harness.ts";
import { ledgerReadsContract } from "./contracts/ledger-reads-contract.ts";
import { onboardingServiceContract } from "./contracts/onboarding-contract.ts";
import { reviewQueueContract } from "./contracts/review-queue-contract.ts";

onboardingServiceContract("in-memory fake", async () => {
  const services = createFakeServices();
  return {
    service: services.onboarding,
    documents: { front: fakeJpeg(), back: fakeJpeg(), mime: "image/jpeg" },
    frames: () => [{ bytes: fakeJpeg(), mime: "image/jpeg", capturedAtMs: Date.now() }],
  };
});

reviewQueueContract("in-memory fake", async () => {
  const services = createFakeServices();
  let n = 0;
  return { queue: services.review, openCase: async () => services.review.open(`session${n++}`, []).caseId };
});

ledgerReadsContract("in-memory fake", async () => {
  const services = createFakeServices();
  const validUid = `0x${"12".repeat(32)}` as const;
  const activeConsentId = `0x${"34".repeat(32)}` as const;
  services.ledger.attestations.set(validUid, "VALID");
  services.ledger.consents.set(activeConsentId, "ACTIVE");
  return { reads: services.ledger, admin: services.attestations, validUid, activeConsentId };
});
