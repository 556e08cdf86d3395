import { expect } from "chai";
import {
  createHarness,
  fakeJpeg,
  fakePng,
  PROBLEM_KEYS,
  NEW_SESSION_BODY,
  CONSENT_BODY,
  type Harness,
} from "./harness.ts";

describe("API onboarding routes", () => {
  let h: Harness;
  const op = () => h.auth("operator");

  beforeEach(async () => {
    h = await createHarness({
      config: {
        bodyLimits: {
          documentBytes: 64 * 1024,
          frameBytes: 8 * 1024,
          maxFrames: 3,
          selfieRequestBytes: 48 * 1024,
          jsonBytes: 4 * 1024,
        },
      },
    });
  });
  afterEach(async () => h.app.close());

  async function newSession(): Promise<string> {
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/onboarding/sessions",
      headers: op(),
      payload: NEW_SESSION_BODY,
    });
    expect(res.statusCode).to.equal(201);
    const sessionId = res.json().sessionId as string;
    const consent = await h.app.inject({
      method: "POST",
      url: `/v1/onboarding/sessions/${sessionId}/collection-consent`,
      headers: op(),
      payload: CONSENT_BODY,
    });
    expect(consent.statusCode, consent.body).to.equal(201);
    return sessionId;
  }

  const putDoc = (id: string, side: string, body: Buffer, type = "image/jpeg") =>
    h.app.inject({
      method: "PUT",
      url: `/v1/onboarding/sessions/${id}/documents/${side}`,
      headers: { ...op(), "content-type": type },
      payload: body,
    });

  const frame = (bytes = fakeJpeg(2048), mime = "image/jpeg", capturedAtMs = 1_700_000_000_000) => ({
    image: bytes.toString("base64"),
    mime,
    capturedAtMs,
  });

  async function challenge(id: string): Promise<string> {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/onboarding/sessions/${id}/liveness-challenge`,
      headers: op(),
    });
    expect(res.statusCode).to.equal(201);
    return res.json().challengeId as string;
  }

  const postSelfie = (id: string, body: unknown) =>
    h.app.inject({
      method: "POST",
      url: `/v1/onboarding/sessions/${id}/selfie`,
      headers: op(),
      payload: body as object,
    });

  async function readySession(): Promise<string> {
    const id = await newSession();
    expect((await putDoc(id, "front", fakeJpeg())).statusCode).to.equal(200);
    expect((await putDoc(id, "back", fakePng(), "image/png")).statusCode).to.equal(200);
    const challengeId = await challenge(id);
    expect(
      (await postSelfie(id, { challengeId, frames: [frame(), frame(fakeJpeg(), "image/jpeg", 1_700_000_000_100)] }))
        .statusCode,
    ).to.equal(200);
    return id;
  }

  describe("the happy path", () => {
    it("creates a session with an id and an expiry", async () => {
      const res = await h.app.inject({
        method: "POST",
        url: "/v1/onboarding/sessions",
        headers: op(),
        payload: NEW_SESSION_BODY,
      });
      expect(res.statusCode).to.equal(201);
      const body = res.json();
      expect(body.sessionId).to.match(/^[A-Za-z0-9_-]+$/);
      expect(Date.parse(body.expiresAt)).to.be.greaterThan(Date.now());
    });

    it("accepts both document sides, a challenge, frames, and returns a PASS decision with its attestation uid", async () => {
      const id = await readySession();
      const session = h.services.onboarding.sessions.get(id)!;
      expect(Buffer.from(session.documents.front!).equals(fakeJpeg())).to.equal(true);
      expect(session.frames).to.have.length(2);
      expect(session.frames![1]!.capturedAtMs).to.equal(1_700_000_000_100);
      const res = await h.app.inject({ method: "POST", url: `/v1/onboarding/sessions/${id}/decision`, headers: op() });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.include({ outcome: "PASS", assuranceLevel: 1 });
      expect(res.json().attestationUid).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("returns the liveness challenge's steps and nonce", async () => {
      const id = await newSession();
      const res = await h.app.inject({
        method: "POST",
        url: `/v1/onboarding/sessions/${id}/liveness-challenge`,
        headers: op(),
      });
      expect(res.json().steps).to.deep.equal(["TURN_LEFT", "BLINK"]);
      expect(res.json().nonce).to.match(/^[A-Za-z0-9_-]{16,64}$/);
    });

    it("reports a REVIEW decision with its reasons and review case", async () => {
      const id = await readySession();
      h.services.onboarding.nextOutcome = "REVIEW";
      const res = await h.app.inject({ method: "POST", url: `/v1/onboarding/sessions/${id}/decision`, headers: op() });
      expect(res.json().outcome).to.equal("REVIEW");
      expect(res.json().reasons[0].code).to.equal("FACE_SIMILARITY_BORDERLINE");
      expect(h.services.review.cases.has(res.json().reviewCaseId)).to.equal(true);
    });

    it("shows the session's progress to operators, reviewers and auditors", async () => {
      const id = await readySession();
      for (const role of ["operator", "reviewer", "auditor"] as const) {
        const res = await h.app.inject({ method: "GET", url: `/v1/onboarding/sessions/${id}`, headers: h.auth(role) });
        expect(res.statusCode).to.equal(200);
        expect(res.json()).to.include({ sessionId: id, state: "OPEN", liveness: "FRAMES_RECEIVED" });
        expect(res.json().documents).to.deep.equal({ front: true, back: true });
      }
    });
  });

  describe("session creation", () => {
    it("binds the session to the customer's subject key address, lower-cased", async () => {
      const res = await h.app.inject({
        method: "POST",
        url: "/v1/onboarding/sessions",
        headers: op(),
        payload: { subject: `0x${"AB".repeat(20)}` },
      });
      expect(res.statusCode).to.equal(201);
      expect(h.services.onboarding.sessions.get(res.json().sessionId)!.subject).to.equal(`0x${"ab".repeat(20)}`);
    });

    it("requires a well-formed subject address and nothing else", async () => {
      for (const [payload, field] of [
        [{}, "body/subject"],
        [{ subject: "0x1234" }, "body/subject"],
        [{ subject: `0x${"ab".repeat(20)}`, name: "NGUYEN" }, "body/name"],
      ] as const) {
        const res = await h.app.inject({ method: "POST", url: "/v1/onboarding/sessions", headers: op(), payload });
        expect(res.statusCode, field).to.equal(400);
        expect(res.json().errors[0].field).to.equal(field);
        expect(res.body).not.to.contain("NGUYEN");
      }
    });
  });

  describe("re-onboarding sessions", () => {
    const SOURCE = `0x${"5c".repeat(32)}`;
    const body = (overrides: Record<string, unknown> = {}, grant: Record<string, unknown> = {}) => ({
      subject: `0x${"a2".repeat(20)}`,
      attestationUid: SOURCE,
      grant: {
        attestationUid: SOURCE,
        grantee: `0x${"0b".repeat(20)}`,
        purpose: 1,
        fieldMask: 0x7ff,
        validUntil: "1900000000",
        nonce: "42",
        deadline: "1800000000",
        ...grant,
      },
      signature: `0x${"1b".repeat(65)}`,
      ...overrides,
    });
    const post = (payload: object) =>
      h.app.inject({ method: "POST", url: "/v1/onboarding/reuse-sessions", headers: op(), payload });

    beforeEach(() => {
      h.services.onboarding.reuseSources.set(SOURCE as `0x${string}`, "Bank A");
    });

    it("opens a session from another member's attestation, then decides on the selfie alone", async () => {
      const res = await post(body());
      expect(res.statusCode).to.equal(201);
      expect(res.json()).to.include({ issuer: "Bank A", sourceUid: SOURCE });
      const id = res.json().sessionId as string;
      const challengeId = await challenge(id);
      expect((await postSelfie(id, { challengeId, frames: [frame()] })).statusCode).to.equal(200);
      const decision = await h.app.inject({
        method: "POST",
        url: `/v1/onboarding/sessions/${id}/decision`,
        headers: op(),
      });
      expect(decision.json().outcome).to.equal("PASS");
    });

    it("refuses card images in a re-onboarding session (409)", async () => {
      const id = (await post(body())).json().sessionId as string;
      expect((await putDoc(id, "front", fakeJpeg())).statusCode).to.equal(409);
    });

    it("answers 422 REUSE_NOT_POSSIBLE when the consent is for another attestation or another bank", async () => {
      for (const grant of [{ attestationUid: `0x${"99".repeat(32)}` }, { grantee: `0x${"0c".repeat(20)}` }]) {
        const res = await post(body({}, grant));
        expect(res.statusCode).to.equal(422);
        expect(res.json().code).to.equal("REUSE_NOT_POSSIBLE");
      }
    });

    it("answers 404 for an attestation it cannot find", async () => {
      const other = `0x${"98".repeat(32)}`;
      const res = await post(body({ attestationUid: other }, { attestationUid: other }));
      expect(res.statusCode).to.equal(404);
    });

    it("validates the grant and signature shape, naming the field", async () => {
      const cases: [object, string][] = [
        [body({ signature: "0x1234" }), "body/signature"],
        [body({}, { validUntil: 1900000000 }), "body/grant/validUntil"],
        [body({}, { nonce: "-1" }), "body/grant/nonce"],
        [body({}, { purpose: 0 }), "body/grant/purpose"],
        [body({}, { extra: true }), "body/grant/extra"],
        [body({ attestationUid: "0x12" }), "body/attestationUid"],
      ];
      for (const [payload, field] of cases) {
        const res = await post(payload);
        expect(res.statusCode, field).to.equal(400);
        expect(res.json().errors[0].field, field).to.equal(field);
      }
    });
  });

  describe("document uploads", () => {
    it("refuses a body over the route's size limit with 413 problem+json, before the service sees it", async () => {
      const id = await newSession();
      const res = await putDoc(id, "front", fakeJpeg(64 * 1024 + 1));
      expect(res.statusCode).to.equal(413);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(res.json().code).to.equal("BODY_TOO_LARGE");
      expect(h.services.onboarding.sessions.get(id)!.documents.front).to.equal(undefined);
    });

    it("refuses a content type other than image/jpeg or image/png with 415", async () => {
      const id = await newSession();
      for (const type of ["application/octet-stream", "image/gif", "text/plain"]) {
        const res = await putDoc(id, "front", fakeJpeg(), type);
        expect(res.statusCode, type).to.equal(415);
        expect(res.json().code).to.be.oneOf(["UNSUPPORTED_MEDIA_TYPE"]);
      }
    });

    it("refuses bytes that are not the declared image type (IMAGE_TYPE_MISMATCH)", async () => {
      const id = await newSession();
      const res = await putDoc(id, "front", fakePng(), "image/jpeg");
      expect(res.statusCode).to.equal(415);
      expect(res.json().code).to.equal("IMAGE_TYPE_MISMATCH");
    });

    it("refuses an empty body", async () => {
      const id = await newSession();
      const res = await putDoc(id, "front", Buffer.alloc(0));
      expect(res.statusCode).to.equal(415);
      expect(res.json()).to.include({ code: "IMAGE_TYPE_MISMATCH", detail: "front image is empty" });
    });

    it("refuses a side other than front or back with a validation problem naming params/side", async () => {
      const id = await newSession();
      const res = await putDoc(id, "left", fakeJpeg());
      expect(res.statusCode).to.equal(400);
      expect(res.json().code).to.equal("VALIDATION_FAILED");
      expect(res.json().errors.map((e: { field: string }) => e.field)).to.include("params/side");
    });

    it("answers 404 SESSION_NOT_FOUND for an unknown session", async () => {
      const res = await putDoc("nosuchsession", "front", fakeJpeg());
      expect(res.statusCode).to.equal(404);
      expect(res.json().code).to.equal("SESSION_NOT_FOUND");
    });

    it("refuses a malformed session id before the service", async () => {
      const res = await putDoc("bad%20id!", "front", fakeJpeg());
      expect(res.statusCode).to.equal(400);
      expect(res.json().errors[0].field).to.equal("params/id");
    });
  });

  describe("expired sessions", () => {
    it("answers 410 SESSION_EXPIRED once the session's time is up", async () => {
      let now = Date.now();
      await h.app.close();
      h = await createHarness({ clock: () => now });
      const id = await newSession();
      now += 16 * 60_000;
      const res = await putDoc(id, "front", fakeJpeg());
      expect(res.statusCode).to.equal(410);
      expect(res.json()).to.include({ code: "SESSION_EXPIRED", status: 410 });
    });
  });

  describe("selfie frames", () => {
    it("refuses more frames than the limit", async () => {
      const id = await newSession();
      const challengeId = await challenge(id);
      const res = await postSelfie(id, { challengeId, frames: [frame(), frame(), frame(), frame()] });
      expect(res.statusCode).to.equal(400);
      expect(res.json().errors[0].field).to.equal("body/frames");
    });

    it("refuses a frame over the per-frame size limit", async () => {
      const id = await newSession();
      const challengeId = await challenge(id);
      const res = await postSelfie(id, { challengeId, frames: [frame(fakeJpeg(8 * 1024 + 3))] });
      expect(res.statusCode).to.equal(400);
      expect(res.json().errors[0].field).to.equal("body/frames/0/image");
    });

    it("refuses a request over the total size limit with 413", async () => {
      const id = await newSession();
      const res = await h.app.inject({
        method: "POST",
        url: `/v1/onboarding/sessions/${id}/selfie`,
        headers: { ...op(), "content-type": "application/json" },
        payload: JSON.stringify({ challengeId: "x", frames: [], pad: "a".repeat(48 * 1024) }),
      });
      expect(res.statusCode).to.equal(413);
    });

    it("refuses text that is not base64", async () => {
      const id = await newSession();
      const challengeId = await challenge(id);
      const res = await postSelfie(id, {
        challengeId,
        frames: [{ image: "****", mime: "image/jpeg", capturedAtMs: 1 }],
      });
      expect(res.statusCode).to.equal(400);
      expect(res.json().code).to.equal("INVALID_ARGUMENT");
    });

    it("refuses a frame whose bytes are not the declared type", async () => {
      const id = await newSession();
      const challengeId = await challenge(id);
      const res = await postSelfie(id, {
        challengeId,
        frames: [frame(Buffer.from("not an image at all"), "image/png")],
      });
      expect(res.statusCode).to.equal(415);
      expect(res.json().code).to.equal("IMAGE_TYPE_MISMATCH");
    });

    it("refuses unknown properties, a missing challenge id and a bad mime, naming the field", async () => {
      const id = await newSession();
      const challengeId = await challenge(id);
      const cases: [unknown, string][] = [
        [{ frames: [frame()] }, "body/challengeId"],
        [{ challengeId, frames: [frame()], extra: 1 }, "body/extra"],
        [{ challengeId, frames: [{ ...frame(), mime: "image/gif" }] }, "body/frames/0/mime"],
        [{ challengeId, frames: [{ ...frame(), capturedAtMs: -1 }] }, "body/frames/0/capturedAtMs"],
      ];
      for (const [body, field] of cases) {
        const res = await postSelfie(id, body);
        expect(res.statusCode, field).to.equal(400);
        expect(
          res.json().errors.map((e: { field: string }) => e.field),
          field,
        ).to.include(field);
      }
    });

    it("maps a wrong challenge to 409 SESSION_STATE_CONFLICT", async () => {
      const id = await newSession();
      await challenge(id);
      const res = await postSelfie(id, { challengeId: "someotherchallenge", frames: [frame()] });
      expect(res.statusCode).to.equal(409);
      expect(res.json().code).to.equal("SESSION_STATE_CONFLICT");
    });
  });

  describe("consent to the collection, and the customer's confirmation of the fields read", () => {
    const post = (url: string, payload?: object, headers = op()) =>
      h.app.inject({ method: "POST", url, headers, ...(payload === undefined ? {} : { payload }) });

    it("refuses card images and selfie frames before the consent with 409 COLLECTION_CONSENT_REQUIRED (problem+json)", async () => {
      const created = await post("/v1/onboarding/sessions", NEW_SESSION_BODY);
      const id = created.json().sessionId as string;
      const upload = await putDoc(id, "front", fakeJpeg());
      expect(upload.statusCode).to.equal(409);
      expect(upload.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(Object.keys(upload.json()).sort()).to.deep.equal(PROBLEM_KEYS);
      expect(upload.json()).to.include({ code: "COLLECTION_CONSENT_REQUIRED", status: 409 });
      const challengeId = await challenge(id);
      const selfie = await postSelfie(id, { challengeId, frames: [frame()] });
      expect(selfie.json().code).to.equal("COLLECTION_CONSENT_REQUIRED");
      expect(h.services.onboarding.sessions.get(id)!.documents).to.deep.equal({});
      // Only the bank's app (operator key) records it, and the audit log has it.
      const asReviewer = await post(
        `/v1/onboarding/sessions/${id}/collection-consent`,
        CONSENT_BODY,
        h.auth("reviewer"),
      );
      expect(asReviewer.statusCode).to.equal(403);
      const recorded = await post(`/v1/onboarding/sessions/${id}/collection-consent`, CONSENT_BODY);
      expect(recorded.statusCode).to.equal(201);
      expect(recorded.json()).to.include({ sessionId: id, noticeVersion: "test-notice-1", purpose: "ONBOARDING" });
      expect(
        h.services.audit.entries.filter((e) => e.action === "onboarding.collection-consent").map((e) => e.outcome),
      ).to.include("SUCCEEDED");
      expect((await putDoc(id, "front", fakeJpeg())).statusCode).to.equal(200);
    });

    it("validates the consent's shape: a purpose, known data names, no unknown keys", async () => {
      const id = (await post("/v1/onboarding/sessions", NEW_SESSION_BODY)).json().sessionId as string;
      const url = `/v1/onboarding/sessions/${id}/collection-consent`;
      for (const body of [
        { ...CONSENT_BODY, purpose: "MARKETING" },
        { ...CONSENT_BODY, fields: ["fullName", "bloodType"] },
        { ...CONSENT_BODY, noticeVersion: "<script>" },
        { ...CONSENT_BODY, extra: true },
      ]) {
        const res = await post(url, body);
        expect(res.statusCode, JSON.stringify(body)).to.equal(400);
        expect(res.json().code).to.equal("VALIDATION_FAILED");
      }
    });

    it("returns the fields read with sources and confidence, keeps a printed-text correction and sends a QR-read one to review", async () => {
      const id = await newSession();
      const early = await post(`/v1/onboarding/sessions/${id}/document-reading`);
      expect(early.json().code).to.equal("SESSION_STATE_CONFLICT");
      expect((await putDoc(id, "front", fakeJpeg())).statusCode).to.equal(200);
      const reading = await post(`/v1/onboarding/sessions/${id}/document-reading`);
      expect(reading.statusCode).to.equal(200);
      // Handing out the card's personal data is audited, and so is the refused read before the upload.
      const reads = h.services.audit.entries.filter((e) => e.action === "onboarding.fields.read" && e.target === id);
      expect(reads.map((e) => e.outcome)).to.deep.equal(["REQUESTED", "FAILED", "REQUESTED", "SUCCEEDED"]);
      const address = reading.json().fields.find((f: { field: string }) => f.field === "address");
      expect(address).to.deep.equal({
        field: "address",
        value: "123 NGUYỄN HUỆ, QUẬN 1, TP HỒ CHÍ MINH",
        source: "PRINTED_TEXT",
        sources: ["PRINTED_TEXT"],
        confidence: 0.6,
        onCorrection: "KEPT",
      });
      const confirm = await post(`/v1/onboarding/sessions/${id}/field-confirmation`, {
        corrections: [
          { field: "address", value: "125 Nguyễn Huệ, Quận 1, TP Hồ Chí Minh" },
          { field: "idNumber", value: "001098765433" },
        ],
      });
      expect(confirm.statusCode).to.equal(200);
      expect(confirm.json().review).to.equal(true);
      expect(confirm.json().corrections.map((c: { outcome: string }) => c.outcome)).to.deep.equal(["KEPT", "REVIEW"]);
      const invalid = await post(`/v1/onboarding/sessions/${id}/field-confirmation`, {
        corrections: [{ field: "idNumber", value: "12" }],
      });
      expect(invalid.statusCode).to.equal(400);
      expect(invalid.json().code).to.equal("INVALID_ARGUMENT");
      const unknownField = await post(`/v1/onboarding/sessions/${id}/field-confirmation`, {
        corrections: [{ field: "documentType", value: "PASSPORT" }],
      });
      expect(unknownField.json().code).to.equal("VALIDATION_FAILED");
      // A new image means a new reading: the answer given to the old one is gone.
      expect((await putDoc(id, "back", fakeJpeg())).statusCode).to.equal(200);
      expect((await post(`/v1/onboarding/sessions/${id}/document-reading`)).json().confirmation).to.equal(null);
    });
  });

  describe("decision", () => {
    it("answers 409 when documents or frames are missing", async () => {
      const id = await newSession();
      const res = await h.app.inject({ method: "POST", url: `/v1/onboarding/sessions/${id}/decision`, headers: op() });
      expect(res.statusCode).to.equal(409);
      expect(Object.keys(res.json()).sort()).to.deep.equal(PROBLEM_KEYS);
    });
  });
});
