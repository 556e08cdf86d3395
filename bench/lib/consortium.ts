/**
 * A two-bank consortium for flow benchmarks, as in the demo: local JSON-RPC chain, SoftHSM2 tokens,
 * nodes in this process (sharing one face model), the registry simulator, and the demo customer.
 * Helpers run one onboarding at A and one re-onboarding at B and return their server-side times;
 * every pipeline stage's duration is collected by name.
 */
import { citizenRecordOf } from "../../scripts/cards/people.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNodeConfig } from "../../node/src/config.ts";
import { startWorkerFaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { createRegistrySimulator } from "../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { CitizenPhotos } from "../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import { createNode, type KycnetNode } from "../../node/src/node.ts";
import { createBankClient, packageChipFiles } from "@kycnet/sdk/bank";
import { collectionConsent, createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { RECORD_FIELDS, type Hex } from "@kycnet/sdk/protocol";
import { answerChallenge } from "../../scripts/chip/aa.ts";
import { createTestPki, generateChip } from "../../scripts/chip/generate.ts";
import { pem } from "../../scripts/chip/pki.ts";
import { DEMO_HSM_PIN, prepareConsortium } from "../../scripts/consortium/setup.ts";
import { makeDemoCustomer } from "../../scripts/demo/customer.ts";
import { startLocalChain } from "../../scripts/lib/local-chain.ts";

export type Subject = ReturnType<typeof createSubjectKey>;
export interface Onboarded {
  readonly ms: number;
  readonly uid: Hex;
  readonly subject: Subject;
}

export interface BenchConsortiumOptions {
  /**
   * Start bank B's node in this process (default). bench:ha runs bank B as several instances of its
   * own (child processes on PostgreSQL) and passes false: `b` and `reonboard` are then not available.
   */
  readonly bankBInProcess?: boolean;
}

export async function startBenchConsortium(options: BenchConsortiumOptions = {}) {
  const bankBInProcess = options.bankBInProcess ?? true;
  const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-"));
  // Every bank trusts a test CSCA, so bank A can onboard at level 2 with the customer's chip.
  const pki = createTestPki("rsa");
  const chipTrustList = join(dir, "csca.pem");
  writeFileSync(chipTrustList, pem("CERTIFICATE", pki.csca.der));
  const chain = await startLocalChain();
  const model = await startWorkerFaceModel(); // as the node runs it: on a worker thread
  const customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
  const p = customer.person;
  const chip = await generateChip({
    index: 0,
    seed: 7,
    pki,
    variant: "valid",
    holder: { person: p, portrait: customer.portrait },
  });
  // The registry compares a level-2 chip portrait with its photo of the citizen (the card's portrait).
  const registryPhotos = new CitizenPhotos(model);
  await registryPhotos.enrol(p.idNumber, customer.portrait);
  const registry = createRegistrySimulator({ citizens: [citizenRecordOf(p)], photos: registryPhotos });
  const stages = new Map<string, number[]>();
  const nodes: KycnetNode[] = [];
  const setup = await prepareConsortium({
    dir,
    rpcUrl: chain.url,
    chainId: chain.chainId,
    registryUrl: await registry.start(),
    bankNames: ["Bank A", "Bank B"],
    threshold: 2,
    chipTrustList,
  });
  process.env.KYCNET_HSM_PIN = DEMO_HSM_PIN;
  for (const bank of bankBInProcess ? setup.banks : setup.banks.slice(0, 1)) {
    const config = await loadNodeConfig(bank.configPath);
    // A benchmark measures throughput, not the per-key rate limit (600/min by default).
    const node = await createNode(
      { ...config, api: { ...config.api, rateLimit: { max: 10_000_000, windowMs: 60_000 } } },
      {
        faceModel: model,
        onStage: (stage, ms) =>
          stages.set(`${bank.slug}:${stage}`, [...(stages.get(`${bank.slug}:${stage}`) ?? []), ms]),
      },
    );
    await node.start();
    nodes.push(node);
  }
  const a = nodes[0]!;
  const bankB = (): KycnetNode => {
    if (nodes[1] === undefined) throw new Error("bank B's node runs outside this process (bankBInProcess: false)");
    return nodes[1];
  };
  const chainInfo = { chainId: setup.chainId, consentRegistry: setup.addresses.consents };

  /**
   * Full eKYC at A; a synthetic selfie the liveness check refuses is retried in a new session (as a
   * customer would), at most 3 times.
   */
  async function onboard(): Promise<Onboarded> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await onboardOnce();
      } catch (error) {
        if (attempt >= 3 || !(error instanceof Error && error.message.includes("LIVENESS_FAILED"))) throw error;
      }
    }
  }

  /** One full eKYC at A; selfie frames are made before the clock starts (the node is measured, not the generator). */
  async function onboardOnce(): Promise<Onboarded> {
    const subject = createSubjectKey();
    const { sessionId } = await a.onboarding.createSession(subject.address as Hex);
    await a.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    const challenge = await a.onboarding.createLivenessChallenge(sessionId);
    await a.onboarding.uploadSelfieFrames(
      sessionId,
      challenge.challengeId,
      await customer.framesFor(challenge, Date.now()),
    );
    const t = performance.now();
    await a.onboarding.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await a.onboarding.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    const decision = await a.onboarding.decide(sessionId);
    const ms = performance.now() - t;
    if (decision.outcome !== "PASS")
      throw new Error(`onboarding ${decision.outcome}: ${JSON.stringify(decision.reasons)}`);
    return { ms, uid: decision.attestationUid!, subject };
  }

  const api = createBankClient({ baseUrl: setup.banks[0]!.apiUrl, apiKey: setup.banks[0]!.apiKeys.operator });
  /**
   * Full eKYC at A through the HTTP API, at level 1 (card and selfie) or level 2 (the chip first: challenge,
   * the chip's answer, the files). Frames are made before the clock starts; the chip's signature (≈ 0.1 ms,
   * RSA-1024) is inside it, as the phone's NFC round trip would be.
   */
  async function onboardOverApi(level: 1 | 2): Promise<{ ms: number; level: number }> {
    const subject = createSubjectKey();
    const { sessionId } = await api.createSession(subject.address as Hex);
    await api.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    const challenge = await api.createLivenessChallenge(sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    const t = performance.now();
    if (level === 2) {
      const aa = await api.createChipChallenge(sessionId);
      const response = answerChallenge(chip.activeAuthenticationKey, Buffer.from(aa.challenge, "hex"));
      await api.uploadChip(sessionId, packageChipFiles({ ...chip.files }, { challenge: aa.challenge, response }));
    }
    await api.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await api.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    await api.uploadSelfie(sessionId, challenge.challengeId, frames);
    const decision = await api.decide(sessionId);
    const ms = performance.now() - t;
    if (decision.outcome !== "PASS" || decision.assuranceLevel !== level)
      throw new Error(`level-${level} onboarding ${decision.outcome}: ${JSON.stringify(decision)}`);
    return { ms, level: decision.assuranceLevel };
  }

  /** Re-onboarding at B of a customer anchored at A: consent relay + fetch, then selfie and decision. */
  async function reonboard(source: Onboarded): Promise<{ ms: number; fetchMs: number; uid: Hex }> {
    const consent = await grantConsent({
      subjectKey: source.subject,
      attestationUid: source.uid,
      grantee: setup.banks[1]!.account,
      purpose: "ONBOARDING",
      fields: [...RECORD_FIELDS],
      validFor: 86_400,
      chain: chainInfo,
    });
    const request = {
      attestationUid: source.uid,
      grant: {
        ...consent.grant,
        validUntil: String(consent.grant.validUntil),
        nonce: String(consent.grant.nonce),
        deadline: String(consent.grant.deadline),
      },
      signature: consent.signature as Hex,
    };
    const t = performance.now();
    const b = bankB();
    const session = await b.onboarding.createReuseSession(createSubjectKey().address as Hex, request);
    const fetchMs = performance.now() - t;
    const challenge = await b.onboarding.createLivenessChallenge(session.sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    const t2 = performance.now();
    await b.onboarding.uploadSelfieFrames(session.sessionId, challenge.challengeId, frames);
    const decision = await b.onboarding.decide(session.sessionId);
    if (decision.outcome !== "PASS")
      throw new Error(`re-onboarding ${decision.outcome}: ${JSON.stringify(decision.reasons)}`);
    return { ms: fetchMs + (performance.now() - t2), fetchMs, uid: decision.attestationUid! };
  }

  async function stop() {
    for (const node of nodes.reverse()) await node.stop().catch(() => undefined);
    await model.close();
    await registry.stop();
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    a,
    get b() {
      return bankB();
    },
    setup,
    customer,
    chainInfo,
    stages,
    onboard,
    onboardOverApi,
    reonboard,
    stop,
  };
}

/** `n` runs by `concurrency` workers, each taking the next run as soon as it finishes one. */
export async function inParallel<T>(
  n: number,
  concurrency: number,
  run: () => Promise<T>,
): Promise<{ results: T[]; seconds: number }> {
  const out: T[] = [];
  let taken = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (taken < n) {
        taken += 1;
        out.push(await run());
      }
    }),
  );
  return { results: out, seconds: (performance.now() - started) / 1000 };
}
