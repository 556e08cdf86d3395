/**
 * The customers of bench:ha (bench/ha.ts), over HTTP through the SDK's bank client, each request of
 * a session sent to the next instance of the bank under test (bench/lib/round-robin.ts):
 * - a full-eKYC onboarding at level 1: collection consent, the card's two sides, selfie frames
 *   answering the liveness challenge, the decision (document reader, face model, registry, screening);
 * - a re-onboarding of a customer another member verified: the customer's signed consent (relayed on
 *   chain by whichever instance takes it), the record fetched over libp2p, selfie frames matched
 *   against the issuer's template, the decision.
 * Each flow reports what the bench counts: the session as acknowledged, its decision, or why it
 * stopped (a session an instance acknowledged and another no longer knows is lost).
 */
import type { BankClient, DecisionView } from "@kycnet/sdk/bank";
import { collectionConsent, createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { RECORD_FIELDS, type Hex } from "@kycnet/sdk/protocol";
import type { DemoCustomer } from "../../scripts/demo/customer.ts";
import type { Onboarded } from "./consortium.ts";

export type FlowKind = "onboarding" | "re-onboarding";

export interface FlowResult {
  readonly kind: FlowKind;
  /** Set once an instance acknowledged the session (201). */
  readonly sessionId: string | null;
  readonly subject: Hex;
  /** The decision as acknowledged to the client, or null when the flow stopped before it. */
  readonly outcome: string | null;
  readonly attestationUid: Hex | null;
  /** The decision's reason codes (why a session was not a PASS: bench:liveness measures how often synthetic frames fail). */
  readonly reasons: readonly string[];
  /** Why the flow stopped before a decision (the API's problem code), or null. */
  readonly failure: string | null;
  /** Time in requests, from the session's creation to its decision (frame synthesis on the client excluded). */
  readonly ms: number;
}

export interface HaCustomerDeps {
  /** The bank under test, behind the round-robin balancer. */
  readonly client: BankClient;
  readonly customer: DemoCustomer;
  readonly chain: { readonly chainId: bigint; readonly consentRegistry: Hex };
  /** The bank under test's account: the grantee of the customers' consents. */
  readonly grantee: Hex;
}

const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : error instanceof Error
      ? error.message
      : String(error);

/** A flow that stopped before its decision, with the code that stopped it. */
const stopped = (kind: FlowKind, sessionId: string | null, subject: Hex, failure: string): FlowResult => ({
  kind,
  sessionId,
  subject,
  outcome: null,
  attestationUid: null,
  reasons: [],
  failure,
  ms: 0,
});

export function haCustomerFlows(deps: HaCustomerDeps) {
  const { client, customer } = deps;

  /** Runs the steps after the session exists; the decision or the code that stopped it. */
  async function finish(
    kind: FlowKind,
    subject: Hex,
    sessionId: string,
    startedAt: number,
    steps: (clock: { pause(ms: number): void }) => Promise<DecisionView>,
  ): Promise<FlowResult> {
    let paused = 0;
    try {
      const decision = await steps({ pause: (ms) => (paused += ms) });
      return {
        kind,
        sessionId,
        subject,
        outcome: decision.outcome,
        attestationUid: decision.attestationUid ?? null,
        reasons: decision.reasons.map((r) => r.code),
        failure: null,
        ms: performance.now() - startedAt - paused,
      };
    } catch (error) {
      return stopped(kind, sessionId, subject, codeOf(error));
    }
  }

  /** Selfie frames for the session's challenge, made on the client (their synthesis is not the node's time). */
  async function selfie(sessionId: string, clock: { pause(ms: number): void }) {
    const challenge = await client.createLivenessChallenge(sessionId);
    const t = performance.now();
    const frames = await customer.framesFor(challenge, Date.now());
    clock.pause(performance.now() - t);
    await client.uploadSelfie(sessionId, challenge.challengeId, frames);
  }

  async function onboard(): Promise<FlowResult> {
    const subject = createSubjectKey().address as Hex;
    const startedAt = performance.now();
    let sessionId: string;
    try {
      sessionId = (await client.createSession(subject)).sessionId;
    } catch (error) {
      return stopped("onboarding", null, subject, codeOf(error));
    }
    return finish("onboarding", subject, sessionId, startedAt, async (clock) => {
      await client.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: false }));
      await client.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
      await client.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
      await selfie(sessionId, clock);
      return client.decide(sessionId);
    });
  }

  /**
   * Re-onboarding of `source` (verified at another member). The consent is relayed on chain when the
   * session is created: if the instance relaying it died after the relay, the retry finds the consent
   * spent, and the customer's app signs a new one (at most 3 times).
   */
  async function reonboard(source: Onboarded): Promise<FlowResult> {
    const subject = createSubjectKey().address as Hex;
    let sessionId: string | null = null;
    let startedAt = 0;
    let lastFailure = "";
    for (let attempt = 0; attempt < 3 && sessionId === null; attempt++) {
      const consent = await grantConsent({
        subjectKey: source.subject,
        attestationUid: source.uid,
        grantee: deps.grantee,
        purpose: "ONBOARDING",
        fields: [...RECORD_FIELDS],
        validFor: 86_400,
        chain: deps.chain,
      });
      startedAt = performance.now();
      try {
        sessionId = (
          await client.createReuseSession({
            subject,
            attestationUid: source.uid,
            grant: consent.grant,
            signature: consent.signature,
          })
        ).sessionId;
      } catch (error) {
        lastFailure = codeOf(error);
      }
    }
    if (sessionId === null) return stopped("re-onboarding", null, subject, lastFailure);
    const id = sessionId;
    return finish("re-onboarding", subject, id, startedAt, async (clock) => {
      await selfie(id, clock);
      return client.decide(id);
    });
  }

  return { onboard, reonboard };
}
