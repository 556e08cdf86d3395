/**
 * A two-bank consortium for flow benchmarks, as in the demo: local JSON-RPC chain, SoftHSM2 tokens,
 * nodes in this process (sharing one face model), the registry simulator, and the demo customer.
 * Helpers run one onboarding at A and one re-onboarding at B and return their server-side times;
 * every pipeline stage's duration is collected by name.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNodeConfig } from "../../node/src/config.ts";
import { startWorkerFaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { createRegistrySimulator } from "../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { createNode, type KycnetNode } from "../../node/src/node.ts";
import { createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { RECORD_FIELDS, type Hex } from "@kycnet/sdk/protocol";
import { DEMO_HSM_PIN, prepareConsortium } from "../../scripts/consortium/setup.ts";
import { makeDemoCustomer } from "../../scripts/demo/customer.ts";
import { startLocalChain } from "../../scripts/lib/local-chain.ts";

export type Subject = ReturnType<typeof createSubjectKey>;
export interface Onboarded {
  readonly ms: number;
  readonly uid: Hex;
  readonly subject: Subject;
}

export async function startBenchConsortium() {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-"));
  const chain = await startLocalChain();
  const model = await startWorkerFaceModel(); // as the node runs it: on a worker thread
  const customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
  const p = customer.person;
  const registry = createRegistrySimulator({
    citizens: [
      {
        idNumber: p.idNumber,
        oldIdNumber: p.oldIdNumber,
        fullName: p.fullName,
        dateOfBirth: p.dateOfBirth,
        sex: p.sex,
        address: p.address,
      },
    ],
  });
  const stages = new Map<string, number[]>();
  const nodes: KycnetNode[] = [];
  const setup = await prepareConsortium({
    dir,
    rpcUrl: chain.url,
    chainId: chain.chainId,
    registryUrl: await registry.start(),
    bankNames: ["Bank A", "Bank B"],
    threshold: 2,
  });
  process.env.KYCNET_HSM_PIN = DEMO_HSM_PIN;
  for (const bank of setup.banks) {
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
  const [a, b] = nodes as [KycnetNode, KycnetNode];
  const chainInfo = { chainId: setup.chainId, consentRegistry: setup.addresses.consents };

  /** Full eKYC at A; selfie frames are made before the clock starts (the node is measured, not the generator). */
  async function onboard(): Promise<Onboarded> {
    const subject = createSubjectKey();
    const { sessionId } = await a.onboarding.createSession(subject.address as Hex);
    const challenge = await a.onboarding.createLivenessChallenge(sessionId);
    await a.onboarding.uploadSelfieFrames(
      sessionId,
      challenge.challengeId,
      await customer.framesFor(challenge.steps, Date.now()),
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
    const session = await b.onboarding.createReuseSession(createSubjectKey().address as Hex, request);
    const fetchMs = performance.now() - t;
    const challenge = await b.onboarding.createLivenessChallenge(session.sessionId);
    const frames = await customer.framesFor(challenge.steps, Date.now());
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

  return { a, b, setup, stages, onboard, reonboard, stop };
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
