import { expect } from "chai";
import { KycnetError, InvalidArgumentError, type ErrorCode } from "@kycnet/sdk/errors";
import { buildProblem, ERROR_CATALOGUE, problemFromError, problemType } from "../../../node/src/api/errors.ts";
import { HsmPinIncorrectError } from "../../../node/src/custody/errors.ts";
import { RecordRequestRefusedError } from "../../../node/src/exchange/errors.ts";
import { LedgerUnavailableError } from "../../../node/src/ledger/errors.ts";
import { createHarness, PROBLEM_KEYS, NEW_SESSION_BODY, type Harness } from "./harness.ts";

describe("API error catalogue", () => {
  it("gives every entry a 4xx/5xx status, a title, and a fixed public detail for 5xx", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).to.match(/^[A-Z][A-Z0-9_]+$/);
      expect(entry.status, code).to.be.within(400, 599);
      expect(entry.title, code).to.be.a("string").and.not.equal("");
      if (entry.status >= 500) expect(entry.publicDetail, code).to.be.a("string");
    }
  });

  it("maps the codes used across node/ and sdk/ to the statuses the API promises", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      INVALID_ARGUMENT: 400,
      SESSION_NOT_FOUND: 404,
      ATTESTATION_NOT_FOUND: 404,
      SESSION_EXPIRED: 410,
      CONTRACT_REVERT: 409,
      LEDGER_UNAVAILABLE: 503,
      HSM_PIN_INCORRECT: 503,
      KEY_MANAGER_CLOSED: 503,
      REGISTRY_TIMEOUT: 503,
      DOCUMENT_IMAGE_TOO_LARGE: 413,
      FACE_NOT_FOUND: 422,
      CHALLENGE_REUSED: 409,
      CHALLENGE_EXPIRED: 410,
      RATE_LIMITED: 429,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      ATTESTATION_NOT_ANCHORED: 409,
      CASE_STATE_CONFLICT: 409,
      STORE_UNAVAILABLE: 503,
      RECORD_SHREDDED: 410,
      REUSE_NOT_POSSIBLE: 422,
      EXCHANGE_TIMEOUT: 504,
      EXCHANGE_REFUSED: 502,
      SERVER_BUSY: 503,
    };
    for (const [code, status] of Object.entries(expected) as [ErrorCode, number][])
      expect(ERROR_CATALOGUE[code].status, code).to.equal(status);
  });

  it("maps the codes that used to fall through to a bare 500 to their own status", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      CONFIG_INVALID: 500,
      CONFIG_NOT_FOUND: 500,
      DECISION_RULES_INVALID: 500,
      ARTIFACT_NOT_FOUND: 500,
      PEER_KEY_INVALID: 500,
      NODE_START_FAILED: 503,
      SANCTIONS_LIST_EMPTY: 503,
      SANCTIONS_LIST_MALFORMED: 503,
      SUBJECT_TRANSACTION_FAILED: 503,
      AUDIT_FAILED: 502,
      WALLET_ENTRY_EXISTS: 409,
      WALLET_ENTRY_NOT_FOUND: 404,
      NOT_CONSENT_SUBJECT: 403,
      REGISTRY_QUERY_INCOMPLETE: 422,
    };
    for (const [code, status] of Object.entries(expected) as [ErrorCode, number][]) {
      expect(problemFromError(new KycnetError(code, "m"), "r"), code).to.include({ code, status });
    }
  });

  it("shows the fixed public text, never the message, for every 5xx code, and the message for every 4xx code", () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const p = problemFromError(new KycnetError(code, "SECRET-MESSAGE /etc/x"), "r");
      expect(p.code, code).to.equal(code);
      // A revert is told by its name alone (details.revert), never by the message that carries its arguments.
      if (code === "CONTRACT_REVERT") expect(p.detail).to.equal("the contract reverted with unknown");
      else if (p.status >= 500) expect(p.detail, code).to.equal(ERROR_CATALOGUE[code].publicDetail);
      else expect(p.detail, code).to.equal("SECRET-MESSAGE /etc/x");
    }
  });

  it("builds RFC 9457 problems with a urn type, the request as instance, and the stable code", () => {
    const p = problemFromError(new InvalidArgumentError("limit", "must be ≤ 100"), "req-1");
    expect(p).to.deep.equal({
      type: "urn:kycnet:problem:invalid-argument",
      title: "Invalid argument",
      status: 400,
      detail: "limit: must be ≤ 100",
      instance: "urn:kycnet:request:req-1",
      code: "INVALID_ARGUMENT",
    });
    expect(problemType("SESSION_NOT_FOUND")).to.equal("urn:kycnet:problem:session-not-found");
  });

  it("hides the other bank's refusal text behind a fixed 502 detail", () => {
    const error = new KycnetError(
      "EXCHANGE_REFUSED",
      "the issuing bank refused the record request: DENIED (customer NGUYEN VAN A)",
    );
    const p = problemFromError(error, "r");
    expect(p.status).to.equal(502);
    expect(p.detail).not.to.contain("NGUYEN");
  });

  it("hides a 5xx error's message behind the catalogue's public text", () => {
    const p = problemFromError(new HsmPinIncorrectError("bank-a-token", "user"), "r");
    expect(p.status).to.equal(503);
    expect(p.detail).not.to.contain("bank-a-token");
  });

  it("turns unknown codes and plain errors into a bare 500 INTERNAL", () => {
    // Only a class that opted out of the code check (KycnetError<string>, e.g. BankApiError) can carry one.
    expect(problemFromError(new KycnetError<string>("SOMETHING_NEW", "secret path /etc/x"), "r")).to.include({
      status: 500,
      code: "INTERNAL",
    });
    // Names an Object.prototype member: must not pass for a catalogue entry.
    const inherited = problemFromError(new KycnetError<string>("constructor", "secret path /etc/x"), "r");
    expect(inherited).to.include({ status: 500, code: "INTERNAL" });
    expect(inherited.detail).not.to.contain("/etc/x");
    expect(problemFromError(new TypeError("x is undefined"), "r").detail).not.to.contain("undefined");
  });

  it("truncates long 4xx details", () => {
    expect(buildProblem("INVALID_ARGUMENT", "r", "x".repeat(1000)).detail.length).to.be.lessThan(310);
  });
});

describe("API error responses", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.app.close());

  it("answers an unexpected crash with a 500 that leaks nothing, and logs the error with the same request id", async () => {
    const secret = "postgres://admin:hunter2@10.0.0.5/vault NGUYEN VAN A 079123456789";
    h.services.onboarding.failWith = new Error(secret);
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/onboarding/sessions",
      headers: h.auth("operator"),
      payload: NEW_SESSION_BODY,
    });
    expect(res.statusCode).to.equal(500);
    expect(Object.keys(res.json()).sort()).to.deep.equal(PROBLEM_KEYS);
    for (const fragment of ["hunter2", "10.0.0.5", "NGUYEN", "079123456789", "Error", "at "])
      expect(res.body).not.to.contain(fragment);
    const logged = h.logs.find((l) => l.msg === "request failed")!;
    expect(logged.reqId).to.equal(res.headers["x-request-id"]);
    expect(res.json().instance).to.equal(`urn:kycnet:request:${String(res.headers["x-request-id"])}`);
    expect(JSON.stringify(logged.err)).to.contain("hunter2");
  });

  describe("log levels: a refusal is info or warn without a stack, a failure is error with its cause", () => {
    const call = (role: "operator" | "auditor" = "operator") =>
      h.app.inject({
        method: "POST",
        url: "/v1/onboarding/sessions",
        headers: h.auth(role),
        payload: NEW_SESSION_BODY,
      });
    const refusalLine = () => h.logs.find((l) => l.msg === "request refused" || l.msg === "request failed")!;

    it("logs a 4xx (403, 404) at info with its code, no error object, no stack", async () => {
      expect((await call("auditor")).statusCode).to.equal(403);
      const missing = await h.app.inject({
        method: "GET",
        url: "/v1/onboarding/sessions/nope",
        headers: h.auth("operator"),
      });
      expect(missing.statusCode).to.equal(404);
      const lines = h.logs.filter((l) => l.msg === "request refused");
      expect(lines.map((l) => [l.level, l.code])).to.deep.equal([
        [30, "FORBIDDEN"],
        [30, "SESSION_NOT_FOUND"],
      ]);
      expect(h.logText()).not.to.contain('"stack"');
      expect(lines.every((l) => l.err === undefined)).to.equal(true);
    });

    it("logs another bank's refusal (502 EXCHANGE_REFUSED) at warn with the reason, no stack", async () => {
      h.services.onboarding.failWith = new RecordRequestRefusedError("CONSENT_NOT_ACTIVE", "consent is REVOKED", "r1");
      expect((await call()).statusCode).to.equal(502);
      const line = refusalLine();
      expect(line).to.include({ level: 40, msg: "request refused", code: "EXCHANGE_REFUSED", status: 502 });
      expect(line.reason).to.contain("CONSENT_NOT_ACTIVE");
      expect(h.logText()).not.to.contain('"stack"');
    });

    it("logs a failure of this node (503 LEDGER_UNAVAILABLE) at error with its cause", async () => {
      h.services.onboarding.failWith = new LedgerUnavailableError(
        "anchor",
        new Error("connect ECONNREFUSED 10.0.0.9:8545"),
      );
      expect((await call()).statusCode).to.equal(503);
      const line = refusalLine() as {
        level: number;
        err: { code: string; cause: { message: string; stack?: string } };
      };
      expect(line.level).to.equal(50);
      expect(line.err.code).to.equal("LEDGER_UNAVAILABLE");
      expect(line.err.cause.message).to.contain("ECONNREFUSED");
      // The cause is not a kycnet error: where it came from is worth its stack.
      expect(line.err.cause.stack).to.be.a("string");
    });
  });

  it("answers unknown routes with a 404 problem", async () => {
    const res = await h.app.inject({ method: "GET", url: "/v1/nothing-here" });
    expect(res.statusCode).to.equal(404);
    expect(res.json().code).to.equal("ROUTE_NOT_FOUND");
  });

  it("answers malformed JSON with a 400 problem that does not echo the body", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/attestations/0x${"ab".repeat(32)}/revoke`,
      headers: { ...h.auth("operator"), "content-type": "application/json" },
      payload: '{"reason": "NGUYEN VAN A',
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().code).to.equal("MALFORMED_BODY");
    expect(res.body).not.to.contain("NGUYEN");
  });

  it("names the failing field of a validation error without echoing the value", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/attestations/0x${"ab".repeat(32)}/revoke`,
      headers: h.auth("operator"),
      payload: { reason: "NGUYEN VAN A" },
    });
    expect(res.json().errors[0].field).to.equal("body/reason");
    expect(res.body).not.to.contain("NGUYEN");
  });

  it("keeps request bodies, keys and personal data out of the logs", async () => {
    await h.app.inject({
      method: "POST",
      url: `/v1/review/cases/c1/approve?name=NGUYEN`,
      headers: h.auth("reviewer"),
      payload: { comment: "NGUYEN VAN A 079123456789" },
    });
    const text = h.logText();
    expect(text).to.contain("/v1/review/cases/:id/approve");
    for (const fragment of ["NGUYEN", "079123456789", h.keys.reviewer, "Bearer"]) expect(text).not.to.contain(fragment);
  });

  it("answers an over-long path parameter with a 414 problem that does not echo the URL", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: `/v1/onboarding/sessions/NGUYEN${"a".repeat(200)}`,
      headers: h.auth("operator"),
    });
    expect(res.statusCode).to.equal(414);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(res.json().code).to.equal("URI_TOO_LONG");
    expect(res.body).not.to.contain("NGUYEN");
  });

  it("answers an undecodable URL with a 400 problem", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: "/v1/onboarding/sessions/%E0%A4%A",
      headers: h.auth("operator"),
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().code).to.equal("BAD_URL");
  });

  it("does not coerce types: a number where a string is expected is a 400", async () => {
    const c = h.services.review.open("s1", []);
    await h.app.inject({ method: "POST", url: `/v1/review/cases/${c.caseId}/claim`, headers: h.auth("reviewer") });
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/review/cases/${c.caseId}/approve`,
      headers: h.auth("reviewer"),
      payload: { comment: 123 },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().errors[0].field).to.equal("body/comment");
  });

  it("answers a text/plain body on a JSON route with 415", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/review/cases/c1/approve",
      headers: { ...h.auth("reviewer"), "content-type": "text/plain" },
      payload: "NGUYEN",
    });
    expect(res.statusCode).to.equal(415);
    expect(res.json().code).to.equal("UNSUPPORTED_MEDIA_TYPE");
  });

  it("sets no-store and nosniff on every response", async () => {
    const res = await h.app.inject({ method: "GET", url: "/health" });
    expect(res.headers["cache-control"]).to.equal("no-store");
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
  });
});
