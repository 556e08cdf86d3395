/**
 * The whole system on one machine, everything real: a JSON-RPC chain, three banks with SoftHSM2
 * tokens, admission by vote, nodes with LevelDB vaults, the registry simulator, real OCR and face
 * models on a rendered card and synthetic selfie frames, libp2p between the nodes.
 * Bank A onboards a customer (full eKYC) → anchored; the customer consents for bank B → B
 * re-onboards with a fresh selfie → B's REUSE attestation is anchored; bank C, not consented, is
 * refused; after the customer revokes, B cannot fetch again.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Wallet } from "ethers";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import type { KycnetNode } from "../../node/src/node.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { type BankApiError, createBankClient } from "@kycnet/sdk/bank";
import { consentIdOf, reuseSourceCommitment, signConsentRevocation, type Hex } from "@kycnet/sdk/protocol";
import type { ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { signedReuse, startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";
import { promtoolComplaints } from "../support/promtool.ts";

describe("e2e: onboarding at bank A, re-onboarding at bank B", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let setup: ConsortiumSetup;
  let nodes: readonly KycnetNode[];
  let model: FaceModel;
  let customer: DemoCustomer;

  // Bank A reads its sanctions list from a copy that a test step edits, every second.
  const listDir = mkdtempSync(join(tmpdir(), "kycnet-e2e-lists-"));
  const listPath = join(listDir, "un-consolidated.xml");
  copyFileSync(new URL("../fixtures/sanctions/un-consolidated.xml", import.meta.url), listPath);

  before(async () => {
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    consortium = await startE2eConsortium({
      model,
      customer,
      bankNames: ["Bank A", "Bank B", "Bank C"],
      threshold: 2,
      editConfig: (i, config) =>
        i !== 0
          ? config
          : {
              ...config,
              sanctions: {
                lists: [{ format: "UN_CONSOLIDATED_XML", path: listPath }],
                refresh: { intervalSeconds: 1 },
              },
            },
    });
    ({ setup, nodes } = consortium);
  });
  after(async () => {
    await consortium?.stop();
    rmSync(listDir, { recursive: true, force: true });
  });

  async function answerChallenge(node: KycnetNode, sessionId: string, who: DemoCustomer = customer) {
    const challenge = await node.onboarding.createLivenessChallenge(sessionId);
    const frames = await who.framesFor(challenge, Date.now());
    await node.onboarding.uploadSelfieFrames(sessionId, challenge.challengeId, frames);
  }

  async function waitAnchored(node: KycnetNode, uid: Hex) {
    await node.outbox.flush();
    const meta = await node.vault.findRecordByUid(uid);
    expect(meta?.anchor?.uid).to.equal(uid);
    return node.vault.proofOf(meta!)!;
  }

  it("admitted the banks by vote with M-of-N approvals", () => {
    expect(setup.governance.map((g) => g.action)).to.deep.equal(["admit Bank B", "threshold 2 of 2", "admit Bank C"]);
    expect(setup.governance.at(-1)!.approvers).to.deep.equal(["Bank B"]);
  });

  let sourceUid: Hex;
  const subjectA = Wallet.createRandom();
  it("onboards the customer at bank A with full eKYC, and anchors the attestation", async () => {
    const [a] = nodes;
    const { sessionId } = await a!.onboarding.createSession(subjectA.address as Hex);
    await a!.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await a!.onboarding.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await a!.onboarding.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    await answerChallenge(a!, sessionId);
    const decision = await a!.onboarding.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    sourceUid = decision.attestationUid!;
    const proof = await waitAnchored(a!, sourceUid);
    expect(await nodes[1]!.ledger.attestationStatus(proof)).to.equal("VALID");
    expect((await a!.audit.verify()).ok).to.equal(true);
  });

  /** Subject A's consent naming `grantee` (each signed with its own nonce). */
  const grantFor = (grantee: KycnetNode, nonce: bigint) => signedReuse(consortium, grantee, sourceUid, subjectA, nonce);

  it("re-onboards at bank B from A's record with a fresh selfie, and anchors a REUSE attestation", async () => {
    const [, b] = nodes;
    const { grant, request } = await grantFor(b!, 1n);
    const subjectB = Wallet.createRandom();
    const started = performance.now();
    const session = await b!.onboarding.createReuseSession(subjectB.address as Hex, request);
    const fetchMs = performance.now() - started;
    expect(session.issuer).to.equal("Bank A");
    await answerChallenge(b!, session.sessionId);
    const decision = await b!.onboarding.decide(session.sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    const proof = await waitAnchored(b!, decision.attestationUid!);
    expect(proof.data.method).to.equal(3); // REUSE
    // The chain carries a salted commitment, not A's uid; B's sealed record holds the uid and the salt.
    expect(proof.data.refCommitment).not.to.equal(sourceUid);
    const meta = (await b!.vault.findRecordByUid(decision.attestationUid!))!;
    const record = await b!.vault.openRecord(meta.id, "test", "check the source commitment");
    const source = record.evidence.source as { uid: Hex; salt: Hex };
    expect(source.uid).to.equal(sourceUid);
    expect(proof.data.refCommitment).to.equal(reuseSourceCommitment(sourceUid, source.salt));
    expect(await b!.ledger.consentStatus(consentIdOf(grant))).to.equal("ACTIVE");
    expect(fetchMs).to.be.below(5_000);
  });

  it("rejects an impostor at bank B: the live face does not match A's template", async () => {
    const [, b] = nodes;
    const impostor = await makeDemoCustomer({ seed: 8, face: { person: "penny", portrait: 1, selfie: 2 }, model });
    const { request } = await grantFor(b!, 5n);
    const session = await b!.onboarding.createReuseSession(Wallet.createRandom().address as Hex, request);
    await answerChallenge(b!, session.sessionId, impostor);
    const decision = await b!.onboarding.decide(session.sessionId);
    expect(decision.outcome).to.equal("REJECT");
    expect(decision.reasons.map((r) => r.code)).to.include("FACE_MATCH_LOW");
    expect(decision.attestationUid).to.equal(undefined);
  });

  it("answers over HTTP with the real node behind the API (SoftHSM, LevelDB, chain)", async () => {
    const bankA = setup.banks[0]!;
    const operator = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.operator });
    const auditor = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.auditor });
    expect((await auditor.attestationStatus(sourceUid)).status).to.equal("VALID");
    const unknown = await auditor.attestationStatus(`0x${"ee".repeat(32)}`).catch((e: unknown) => e);
    expect(unknown).to.include({ code: "ATTESTATION_NOT_FOUND", status: 404 });
    const badSubject = await operator.createSession("0x1234").catch((e: unknown) => e);
    expect((badSubject as BankApiError).status).to.equal(400);
    const forbidden = await auditor.createSession(Wallet.createRandom().address as Hex).catch((e: unknown) => e);
    expect((forbidden as BankApiError).status).to.equal(403);
    const { sessionId } = await operator.createSession(Wallet.createRandom().address as Hex);
    await operator.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    expect((await operator.getSession(sessionId)).state).to.equal("OPEN");
    const early = await operator.decide(sessionId).catch((e: unknown) => e);
    expect((early as BankApiError).code).to.equal("SESSION_STATE_CONFLICT");
    const metrics = await (await fetch(`${bankA.apiUrl}/metrics`)).text();
    expect(metrics).to.match(/kycnet_http_request_duration_seconds/);
  });

  it("refuses bank C, which has no consent of its own", async () => {
    const [, b, c] = nodes;
    const { request } = await grantFor(b!, 2n); // a consent naming B, presented to C
    const error = await c!.onboarding
      .createReuseSession(Wallet.createRandom().address as Hex, request)
      .catch((e: unknown) => e);
    expect(isKycnetError(error, "REUSE_NOT_POSSIBLE"), String(error)).to.equal(true);
  });

  it("after the customer revokes the consent, bank B cannot fetch the record again", async () => {
    const [, b] = nodes;
    const { grant, request } = await grantFor(b!, 3n);
    await b!.ledger.grantConsentBySig(
      grant,
      nodes[0]!.vault.proofOf((await nodes[0]!.vault.findRecordByUid(sourceUid))!)!,
      request.signature,
    );
    const now = BigInt(Math.floor(Date.now() / 1000));
    const revocation = { consentId: consentIdOf(grant), nonce: 4n, deadline: now + 600n };
    await b!.ledger.revokeConsentBySig(
      revocation,
      await signConsentRevocation(
        subjectA,
        { chainId: await b!.ledger.chainId(), verifyingContract: setup.addresses.consents },
        revocation,
      ),
    );
    const error = await b!.onboarding
      .createReuseSession(Wallet.createRandom().address as Hex, request)
      .catch((e: unknown) => e);
    expect(isKycnetError(error, "EXCHANGE_REFUSED") || isKycnetError(error), String(error)).to.equal(true);
    expect(String((error as { details?: { status?: string } }).details?.status ?? (error as Error).message)).to.match(
      /CONSENT_NOT_ACTIVE|REVOKED|not active/i,
    );
  });
  it("serves /metrics that promtool accepts, with the real HSM, exchange, anchoring and process figures", async () => {
    const text = await (await fetch(`${setup.banks[0]!.apiUrl}/metrics`)).text();
    expect(await promtoolComplaints(text)).to.deep.equal([]);
    const sample = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    // Bank A signed its anchoring transactions and sealed the record in its token, and served B once.
    expect(sample('kycnet_hsm_operations_total{operation="sign"}')).to.be.greaterThan(0);
    expect(sample('kycnet_hsm_operations_total{operation="seal"}')).to.be.greaterThan(0);
    expect(sample('kycnet_exchange_requests_total{outcome="served",reason="ok"}')).to.be.at.least(1);
    expect(sample('kycnet_exchange_requests_total{outcome="refused",reason="consent_not_active"}')).to.equal(1);
    expect(sample("kycnet_sanctions_list_age_seconds")).to.be.within(0, 600);
    expect(sample("kycnet_anchoring_lag_seconds")).to.equal(0);
    expect(sample("kycnet_outbox_depth")).to.equal(0);
    expect(sample("kycnet_account_balance_wei")).to.be.greaterThan(0);
    expect(sample('kycnet_registry_circuit_breaker_state{state="closed"}')).to.equal(1);
    expect(sample('kycnet_review_queue_depth{status="open"}')).to.be.a("number");
    expect(sample("process_cpu_seconds_total")).to.be.greaterThan(0);
    expect(text).not.to.match(/^kycnet_(process|nodejs)_/m);
  });
  it("screens bank A's standing customers again when its sanctions list file changes: a hit opens a RESCREEN case", async () => {
    const bankA = setup.banks[0]!;
    const reviewer = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.reviewer });
    const rescreenCases = async () =>
      (await reviewer.listReviewCases({ limit: 100 })).cases.filter((c) => c.kind === "RESCREEN");
    expect(await rescreenCases()).to.deep.equal([]);

    // A new publication of the list names the customer A onboarded (an alias added to a listed entry).
    const alias = `<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>${customer.person.fullName}</ALIAS_NAME></INDIVIDUAL_ALIAS>`;
    const published = readFileSync(listPath, "utf8").replace("<INDIVIDUAL_ALIAS>", `${alias}<INDIVIDUAL_ALIAS>`);
    writeFileSync(listPath, published);

    const deadline = Date.now() + 30_000;
    let cases = await rescreenCases();
    while (cases.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      cases = await rescreenCases();
    }
    expect(cases).to.have.length(1);
    expect(cases[0]!.status).to.equal("OPEN");
    expect(cases[0]!.reasons.map((r) => r.code)).to.satisfy((codes: string[]) =>
      codes.every((c) => c.startsWith("SANCTIONS_HIT")),
    );
    // The customer's record at A stays anchored and valid while a reviewer looks.
    const auditor = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.auditor });
    expect((await auditor.attestationStatus(sourceUid)).status).to.equal("VALID");

    // The re-screen's counters are counted when its pass ends, which may be just after its case opened.
    const rescreenCounted = /^kycnet_sanctions_rescreen_cases_total [1-9]/m;
    let text = await (await fetch(`${bankA.apiUrl}/metrics`)).text();
    while (!rescreenCounted.test(text) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      text = await (await fetch(`${bankA.apiUrl}/metrics`)).text();
    }
    expect(text).to.match(/^kycnet_sanctions_refreshes_total\{outcome="reloaded"\} [1-9]/m);
    expect(text).to.match(/^kycnet_sanctions_rescreen_cases_total 1$/m);
    expect(text).to.match(/^kycnet_sanctions_last_confirmed_timestamp_seconds \d/m);
    expect(await promtoolComplaints(text)).to.deep.equal([]);
  });
});
