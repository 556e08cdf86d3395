import { expect } from "chai";
import { ContractRevertError, LedgerUnavailableError } from "../../../node/src/ledger/errors.ts";
import { createHarness, type Harness } from "./harness.ts";

const UID = `0x${"ab".repeat(32)}` as const;
const CONSENT = `0x${"cd".repeat(32)}` as const;

describe("API review queue routes", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.app.close());

  const post = (url: string, role: "operator" | "reviewer" | "auditor", payload?: object) =>
    h.app.inject({ method: "POST", url, headers: h.auth(role), ...(payload ? { payload } : {}) });

  it("lists cases with a status filter, a limit and a cursor", async () => {
    for (let i = 0; i < 3; i++)
      h.services.review.open(`session${i}`, [{ code: "FACE_SIMILARITY_BORDERLINE", message: "m" }]);
    const first = await h.app.inject({
      method: "GET",
      url: "/v1/review/cases?status=OPEN&limit=2",
      headers: h.auth("reviewer"),
    });
    expect(first.statusCode).to.equal(200);
    expect(first.json().cases).to.have.length(2);
    expect(first.json().nextCursor).to.equal("2");
    const second = await h.app.inject({
      method: "GET",
      url: `/v1/review/cases?limit=2&cursor=${first.json().nextCursor}`,
      headers: h.auth("auditor"),
    });
    expect(second.json().cases).to.have.length(1);
    expect(second.json()).not.to.have.property("nextCursor");
  });

  it("defaults the limit and refuses one over 100 or an unknown status", async () => {
    expect(
      (await h.app.inject({ method: "GET", url: "/v1/review/cases", headers: h.auth("reviewer") })).statusCode,
    ).to.equal(200);
    const tooMany = await h.app.inject({
      method: "GET",
      url: "/v1/review/cases?limit=101",
      headers: h.auth("reviewer"),
    });
    expect(tooMany.statusCode).to.equal(400);
    expect(tooMany.json().errors[0].field).to.equal("querystring/limit");
    const badStatus = await h.app.inject({
      method: "GET",
      url: "/v1/review/cases?status=DONE",
      headers: h.auth("reviewer"),
    });
    expect(badStatus.statusCode).to.equal(400);
  });

  it("lets a reviewer claim then approve a case, recorded under the reviewer's key id", async () => {
    const c = h.services.review.open("s1", []);
    const claimed = await post(`/v1/review/cases/${c.caseId}/claim`, "reviewer");
    expect(claimed.statusCode).to.equal(200);
    expect(claimed.json()).to.include({ status: "CLAIMED", reviewer: "reviewer-1" });
    const approved = await post(`/v1/review/cases/${c.caseId}/approve`, "reviewer", { comment: "portrait matches" });
    expect(approved.statusCode).to.equal(200);
    expect(approved.json().status).to.equal("APPROVED");
    expect(approved.json().attestationUid).to.match(/^0x[0-9a-f]{64}$/);
    expect(h.services.review.comments.get(c.caseId)).to.equal("portrait matches");
  });

  it("lets a reviewer reject a case they claimed", async () => {
    const c = h.services.review.open("s1", []);
    await post(`/v1/review/cases/${c.caseId}/claim`, "reviewer");
    const rejected = await post(`/v1/review/cases/${c.caseId}/reject`, "reviewer", {
      comment: "document photo edited",
    });
    expect(rejected.json().status).to.equal("REJECTED");
  });

  it("answers 409 CASE_STATE_CONFLICT when approving an unclaimed case or claiming twice", async () => {
    const c = h.services.review.open("s1", []);
    const early = await post(`/v1/review/cases/${c.caseId}/approve`, "reviewer", { comment: "x" });
    expect(early.statusCode).to.equal(409);
    expect(early.json().code).to.equal("CASE_STATE_CONFLICT");
    await post(`/v1/review/cases/${c.caseId}/claim`, "reviewer");
    expect((await post(`/v1/review/cases/${c.caseId}/claim`, "reviewer")).statusCode).to.equal(409);
  });

  it("answers 404 CASE_NOT_FOUND for an unknown case", async () => {
    const res = await post("/v1/review/cases/nosuchcase/claim", "reviewer");
    expect(res.statusCode).to.equal(404);
    expect(res.json().code).to.equal("CASE_NOT_FOUND");
  });

  it("requires a non-empty comment of at most 2000 characters", async () => {
    const c = h.services.review.open("s1", []);
    await post(`/v1/review/cases/${c.caseId}/claim`, "reviewer");
    for (const payload of [{}, { comment: "" }, { comment: "x".repeat(2001) }]) {
      const res = await post(`/v1/review/cases/${c.caseId}/approve`, "reviewer", payload);
      expect(res.statusCode).to.equal(400);
      expect(res.json().errors[0].field).to.equal("body/comment");
    }
  });
});

describe("API attestation and consent routes", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    h.services.ledger.attestations.set(UID, "VALID");
    h.services.ledger.consents.set(CONSENT, "ACTIVE");
  });
  afterEach(async () => h.app.close());

  it("returns an attestation's status to every role", async () => {
    for (const role of ["operator", "reviewer", "auditor"] as const) {
      const res = await h.app.inject({ method: "GET", url: `/v1/attestations/${UID}/status`, headers: h.auth(role) });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.include({ uid: UID, status: "VALID" });
    }
  });

  it("normalises an upper-case uid to lower case", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/attestations/${UID.toUpperCase().replace("0X", "0x")}/status`,
      headers: h.auth("auditor"),
    });
    expect(res.json().uid).to.equal(UID);
  });

  it("reports PENDING for an attestation queued but not yet anchored", async () => {
    h.services.ledger.attestations.set(UID, "PENDING");
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/attestations/${UID}/status`,
      headers: h.auth("operator"),
    });
    expect(res.json().status).to.equal("PENDING");
  });

  it("answers 404 ATTESTATION_NOT_FOUND for an unknown uid", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/attestations/0x${"00".repeat(32)}/status`,
      headers: h.auth("operator"),
    });
    expect(res.statusCode).to.equal(404);
    expect(res.json().code).to.equal("ATTESTATION_NOT_FOUND");
  });

  it("refuses a uid that is not 32 bytes of hex", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: "/v1/attestations/0x1234/status",
      headers: h.auth("operator"),
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().errors[0].field).to.equal("params/uid");
  });

  it("returns a consent's status, NONE for an unknown consent", async () => {
    const active = await h.app.inject({
      method: "GET",
      url: `/v1/consents/${CONSENT}/status`,
      headers: h.auth("auditor"),
    });
    expect(active.json()).to.include({ consentId: CONSENT, status: "ACTIVE" });
    const unknown = await h.app.inject({
      method: "GET",
      url: `/v1/consents/0x${"11".repeat(32)}/status`,
      headers: h.auth("auditor"),
    });
    expect(unknown.json().status).to.equal("NONE");
  });

  it("revokes an attestation with a reason name", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      headers: h.auth("operator"),
      payload: { reason: "FRAUD_SUSPECTED" },
    });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.include({ uid: UID, reason: "FRAUD_SUSPECTED" });
    expect(h.services.ledger.attestations.get(UID)).to.equal("REVOKED");
  });

  it("refuses an unknown or numeric revocation reason", async () => {
    for (const reason of ["BORED", 4, ""]) {
      const res = await h.app.inject({
        method: "POST",
        url: `/v1/attestations/${UID}/revoke`,
        headers: h.auth("operator"),
        payload: { reason },
      });
      expect(res.statusCode, String(reason)).to.equal(400);
      expect(res.json().errors[0].field).to.equal("body/reason");
    }
  });

  it("maps a contract revert to 409 naming the revert but not its arguments", async () => {
    h.services.ledger.failWith = new ContractRevertError(
      "AttestationAlreadyRevoked",
      [UID, "0x00000000000000000000000000000000000000aa"],
      new Error("x"),
    );
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      headers: h.auth("operator"),
      payload: { reason: "CUSTOMER_REQUEST" },
    });
    expect(res.statusCode).to.equal(409);
    expect(res.json().code).to.equal("CONTRACT_REVERT");
    expect(res.json().detail).to.contain("AttestationAlreadyRevoked");
    expect(res.body).not.to.contain("00000000aa");
  });

  it("maps an unreachable chain to 503 with Retry-After and no internals", async () => {
    h.services.ledger.failWith = new LedgerUnavailableError(
      "statusOf",
      new Error("connect ECONNREFUSED 10.1.2.3:8545"),
    );
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/consents/${CONSENT}/status`,
      headers: h.auth("operator"),
    });
    expect(res.statusCode).to.equal(503);
    expect(res.headers["retry-after"]).to.equal("5");
    expect(res.json().code).to.equal("LEDGER_UNAVAILABLE");
    expect(res.body).not.to.contain("10.1.2.3");
    expect(res.body).not.to.contain("statusOf");
  });
});
