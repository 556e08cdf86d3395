/**
 * The API's service-port contracts (test/node/api/contracts/) on the node's real implementations,
 * the same suites fakes.test.ts runs on the fakes: `createOnboardingService` with the real document
 * reader (OCR engines), the ONNX face model, the national-ID HTTP adapter against the registry
 * simulator, and `createReviewService` over `createReviewQueue`, both over a real vault on LevelDB in a
 * temp dir. The card and selfie frames are a rendered demo customer (scripts/demo/customer.ts).
 *
 * Keys are the in-memory key manager: these suites are about the use cases' logic (session states,
 * coded errors, the review life cycle); sealing under a SoftHSM token is covered by the vault and
 * custody suites and by test/e2e. Review cases are opened through the pipeline, as in production: a
 * node without a sanctions list decides REVIEW (SANCTIONS_NOT_SCREENED, a rule the rule set may not
 * make PASS), which holds the record in the vault and opens the case.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { encodePipelineVersion, type Hex } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { ChallengeIssuer, loadOnnxFaceModel, type FaceModel } from "../../../node/src/ekyc/biometrics/index.ts";
import { HttpNationalIdRegistry } from "../../../node/src/ekyc/checks/national-id/http-adapter.ts";
import {
  createRegistrySimulator,
  type RegistrySimulator,
} from "../../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { IndexedSanctionsList } from "../../../node/src/ekyc/checks/sanctions/indexed-list.ts";
import { loadSanctionsFiles } from "../../../node/src/ekyc/checks/sanctions/loaders/load-file.ts";
import type { SanctionsList } from "../../../node/src/ekyc/checks/sanctions/port.ts";
import { createDocumentEngines, readDocument, type DocumentEngines } from "../../../node/src/ekyc/document/index.ts";
import { createOnboardingService } from "../../../node/src/onboarding/onboarding-service.ts";
import type { OnboardingService } from "../../../node/src/onboarding/ports.ts";
import { createReviewQueue } from "../../../node/src/onboarding/review/review-queue.ts";
import { createReviewService } from "../../../node/src/onboarding/review/review-service.ts";
import { createStoredSessions } from "../../../node/src/onboarding/adapters/stored-sessions.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../../scripts/demo/customer.ts";
import { onboardingServiceContract } from "../api/contracts/onboarding-contract.ts";
import { reviewQueueContract } from "../api/contracts/review-queue-contract.ts";

const ROOT = join(import.meta.dirname, "../../..");

describe("service-port contracts on the real implementations", function () {
  this.timeout(300_000);
  let model: FaceModel;
  let engines: DocumentEngines;
  let customer: DemoCustomer;
  let simulator: RegistrySimulator;
  let registry: HttpNationalIdRegistry;
  let sanctions: SanctionsList;

  before(async () => {
    model = await loadOnnxFaceModel();
    engines = await createDocumentEngines();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    const { idNumber, oldIdNumber, fullName, dateOfBirth, sex, address } = customer.person;
    simulator = createRegistrySimulator({ citizens: [{ idNumber, oldIdNumber, fullName, dateOfBirth, sex, address }] });
    registry = new HttpNationalIdRegistry({ baseUrl: await simulator.start(), deadlineMs: 10_000 });
    const unList = join(ROOT, "test/fixtures/sanctions/un-consolidated.xml");
    const lists = [{ format: "UN_CONSOLIDATED_XML" as const, path: unList }];
    sanctions = new IndexedSanctionsList(await loadSanctionsFiles(lists));
  });
  after(async () => {
    await simulator?.stop();
    await engines?.close();
    await model?.close();
  });

  /** A node's onboarding use case over a fresh LevelDB vault; `close` closes the store and deletes it. */
  async function realOnboarding(options: { sanctions: SanctionsList | null }) {
    const dir = await mkdtemp(join(tmpdir(), "kycnet-contracts-"));
    const store = await openLevelRecordStore(join(dir, "vault"));
    const audit = createAuditLog(store);
    const issuer = Wallet.createRandom().address as Hex;
    const keys = new MemoryKeyManager();
    const vault = createVault({
      store,
      keys,
      audit,
      attestationContext: { chainId: 31337n, registry: `0x${"11".repeat(20)}`, issuer },
    });
    const review = createReviewQueue({ store, vault, audit });
    const service = createOnboardingService({
      sessions: createStoredSessions({ store, keys }),
      readDocument: (images) => readDocument(images, { engines }),
      faceModel: model,
      challenges: new ChallengeIssuer(),
      registry,
      sanctions: options.sanctions,
      vault,
      review,
      pipelineVersion: encodePipelineVersion("ekyc/contract-test"),
      attestationValiditySeconds: 365 * 86_400,
    });
    const close = async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    };
    return { service, review: createReviewService(review, vault), close };
  }

  /** Runs one full onboarding of the demo customer through the real pipeline. */
  async function onboardCustomer(service: OnboardingService) {
    const { sessionId } = await service.createSession(Wallet.createRandom().address as Hex);
    await service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await service.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await service.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    const challenge = await service.createLivenessChallenge(sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    await service.uploadSelfieFrames(sessionId, challenge.challengeId, frames);
    return service.decide(sessionId);
  }

  onboardingServiceContract("createOnboardingService over LevelDB, real engines", async () => {
    const node = await realOnboarding({ sanctions });
    return {
      service: node.service,
      documents: { front: customer.front, back: customer.back, mime: "image/jpeg" },
      frames: (challenge) => customer.framesFor(challenge, Date.now()),
      close: node.close,
    };
  });

  reviewQueueContract("createReviewService over LevelDB, cases opened by the pipeline", async () => {
    const node = await realOnboarding({ sanctions: null });
    return {
      queue: node.review,
      async openCase() {
        const decision = await onboardCustomer(node.service);
        if (decision.outcome !== "REVIEW" || decision.reviewCaseId === undefined) {
          const reasons = JSON.stringify(decision.reasons);
          throw new Error(`expected a REVIEW decision with a case, got ${decision.outcome}: ${reasons}`);
        }
        return decision.reviewCaseId;
      },
      close: node.close,
    };
  });
});
