/**
 * The customer's answers on a real node (chain, SoftHSM token, LevelDB, real OCR and face models),
 * through the HTTP API and the SDK's bank client, as the bank's app drives them:
 * - consent to the first collection (Decree 13): no image before it (409 COLLECTION_CONSENT_REQUIRED,
 *   problem+json), then kept with the record: the data-subject access answer shows it;
 * - the fields read, each with its source and confidence (seed 003, Bước 3), and a correction of a
 *   machine-read field, which sends the case to review (rule set 1.5.0) and shows on the reviewer
 *   console's case page beside the value read.
 * The printed-text-only path (a correction kept) is in field-confirmation.test.ts and the API tests:
 * on a CCCD the QR and the MRZ read every field, so no field of a clean card is printed-text only.
 */
import { expect } from "chai";
import { BankApiError, createBankClient, FIELD_SOURCES, READ_FIELDS, type BankClient } from "@kycnet/sdk/bank";
import { collectionConsent, createSubjectKey } from "@kycnet/sdk/customer";
import type { Hex } from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel, type FaceModel } from "../../../node/src/ekyc/biometrics/index.ts";
import { CONSOLE_COOKIE } from "../../../node/src/api/console/routes.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../../scripts/demo/customer.ts";
import { startSingleNodeFixture, type LoggedNode, type SingleNodeFixture } from "../../support/single-node.ts";

describe("the customer's answers: consent to the collection and confirmation of the fields read (real node)", function () {
  this.timeout(300_000);
  let fixture: SingleNodeFixture;
  let running: LoggedNode;
  let model: FaceModel;
  let customer: DemoCustomer;
  let client: BankClient;

  before(async () => {
    fixture = await startSingleNodeFixture("customer-answers");
    running = await fixture.startNode(fixture.freshConfig(), { readDocument: "real" });
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 19, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    client = createBankClient({ baseUrl: running.node.api!.url, apiKey: fixture.setup.banks[0]!.apiKeys.operator });
  });
  after(async () => {
    await running?.node.stop();
    await fixture?.stop();
    await model?.close();
  });

  const failure = (e: unknown) => {
    expect(e).to.be.instanceOf(BankApiError);
    return { code: (e as BankApiError).code, status: (e as BankApiError).status };
  };

  it("takes no image before the consent, then reads the card into fields with sources and confidence, and sends a corrected machine-read field to review", async () => {
    const { sessionId } = await client.createSession(createSubjectKey().address as Hex);

    // No card image, no selfie before the consent: a typed problem, nothing held.
    const early = await client.uploadDocument(sessionId, "front", customer.front, "image/jpeg").catch((e) => e);
    expect(failure(early)).to.deep.equal({ code: "COLLECTION_CONSENT_REQUIRED", status: 409 });
    const raw = await fetch(`${running.node.api!.url}/v1/onboarding/sessions/${sessionId}/documents/back`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${fixture.setup.banks[0]!.apiKeys.operator}`,
        "content-type": "image/jpeg",
      },
      body: customer.back,
    });
    expect(raw.status).to.equal(409);
    expect(raw.headers.get("content-type")).to.match(/^application\/problem\+json/);
    const challenge = await client.createLivenessChallenge(sessionId);
    const earlySelfie = await client
      .uploadSelfie(sessionId, challenge.challengeId, await customer.framesFor(challenge, Date.now()))
      .catch((e) => e);
    expect(failure(earlySelfie).code).to.equal("COLLECTION_CONSENT_REQUIRED");
    expect((await client.getSession(sessionId)).documents).to.deep.equal({ front: false, back: false });

    // A consent that leaves out what onboarding collects is refused; a whole one is recorded once.
    const partial = await client
      .recordCollectionConsent(sessionId, { noticeVersion: "v1", purpose: "ONBOARDING", fields: ["fullName"] })
      .catch((e) => e);
    expect(failure(partial)).to.deep.equal({ code: "INVALID_ARGUMENT", status: 400 });
    const consent = await client.recordCollectionConsent(sessionId, collectionConsent({ version: "notice-2026-01" }));
    expect(consent).to.include({ sessionId, noticeVersion: "notice-2026-01", purpose: "ONBOARDING" });
    expect(Math.abs(Date.parse(consent.recordedAt) - Date.now())).to.be.below(60_000);
    const again = await client
      .recordCollectionConsent(sessionId, collectionConsent({ version: "other" }))
      .catch((e) => e);
    expect(failure(again).code).to.equal("SESSION_STATE_CONFLICT");

    await client.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await client.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    const reading = await client.readDocumentFields(sessionId);
    expect(reading.fields.map((f) => f.field)).to.deep.equal([...READ_FIELDS]);
    expect(reading.confirmation).to.equal(null);
    const byField = Object.fromEntries(reading.fields.map((f) => [f.field, f]));
    const p = customer.person;
    expect(byField.idNumber!.value).to.equal(p.idNumber);
    expect(byField.dateOfBirth!.value).to.equal(p.dateOfBirth);
    for (const f of reading.fields) {
      if (f.value === "") continue;
      expect(FIELD_SOURCES).to.include(f.source);
      expect(f.sources).to.include(f.source);
      expect(f.confidence, f.field).to.be.within(0.3, 1);
      // Only a field the printed text alone read may be corrected without review.
      expect(f.onCorrection, f.field).to.equal(f.sources.every((s) => s === "PRINTED_TEXT") ? "KEPT" : "REVIEW");
    }
    // The id number is in the QR and the MRZ: both machine-readable, agreeing.
    expect(byField.idNumber!.sources).to.include.members(["QR", "MRZ"]);
    expect(byField.idNumber!.confidence).to.equal(0.98);

    // Values are checked as the record commits them: a date that is no date is refused, naming the field.
    const bad = await client
      .confirmDocumentFields(sessionId, { corrections: [{ field: "dateOfBirth", value: "31/02/1990" }] })
      .catch((e) => e);
    expect(failure(bad)).to.deep.equal({ code: "INVALID_ARGUMENT", status: 400 });
    const twice = await client
      .confirmDocumentFields(sessionId, {
        corrections: [
          { field: "fullName", value: "A" },
          { field: "fullName", value: "B" },
        ],
      })
      .catch((e) => e);
    expect(failure(twice).code).to.equal("INVALID_ARGUMENT");

    // The customer says the name is another: a machine-read field, so the value read is kept and a reviewer decides.
    const claimed = "<script>alert(1)</script> TRẦN THỊ B";
    const confirmation = await client.confirmDocumentFields(sessionId, {
      corrections: [
        { field: "fullName", value: claimed },
        { field: "dateOfBirth", value: p.dateOfBirth }, // the same as read: a confirmation, not a correction
      ],
    });
    expect(confirmation.review).to.equal(true);
    expect(confirmation.corrections).to.have.length(1);
    expect(confirmation.corrections[0]).to.deep.include({
      field: "fullName",
      read: byField.fullName!.value,
      source: byField.fullName!.source,
      outcome: "REVIEW",
    });
    expect((await client.readDocumentFields(sessionId)).confirmation).to.deep.equal(confirmation);

    const live = await client.createLivenessChallenge(sessionId);
    await client.uploadSelfie(sessionId, live.challengeId, await customer.framesFor(live, Date.now()));
    const decision = await client.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.include("FIELD_CORRECTED_MACHINE_READ");
    expect(decision.reasons.find((r) => r.code === "FIELD_CORRECTED_MACHINE_READ")!.message).to.equal(
      "field corrected machine read: fullName",
    );

    // The data-subject access answer shows the consent kept with the record.
    const access = await client.submitDataSubjectRequest({ attestationUid: decision.attestationUid!, kind: "ACCESS" });
    expect(access.access!.collectionConsent).to.deep.equal({
      noticeVersion: "notice-2026-01",
      purpose: "ONBOARDING",
      fields: consent.fields,
      recordedAt: consent.recordedAt,
    });

    // The reviewer sees the correction beside the value read, and its source, as text.
    const page = await consoleCasePage(decision.reviewCaseId!);
    expect(page).to.contain("Corrections by the customer");
    // Canonical names are upper case: the customer's markup comes back as text, never as markup.
    expect(page).to.contain("&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt; TRẦN THỊ B");
    expect(page).not.to.contain("<SCRIPT>");
    expect(page).to.contain("for the reviewer (value read kept)");
    expect(page).to.contain("notice notice-2026-01, purpose ONBOARDING");
  });

  /** The case page as a signed-in reviewer gets it. */
  async function consoleCasePage(caseId: string): Promise<string> {
    const base = running.node.api!.url;
    const signIn = await fetch(`${base}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ apiKey: fixture.setup.banks[0]!.apiKeys.reviewer }),
      redirect: "manual",
    });
    const cookie = signIn.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${CONSOLE_COOKIE}=`))!
      .split(";")[0]!;
    const page = await fetch(`${base}/console/cases/${caseId}`, { headers: { cookie } });
    expect(page.status).to.equal(200);
    return page.text();
  }
});
