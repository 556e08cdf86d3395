import { expect } from "chai";
import { ApiKeyVerifier, generateApiKey, hashApiKey, validateApiKeys } from "../../../node/src/api/auth.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { createHarness, fakeJpeg, NEW_SESSION_BODY, type Harness } from "./harness.ts";

const UID = `0x${"ab".repeat(32)}`;
const REUSE_BODY = {
  subject: `0x${"a1".repeat(20)}`,
  attestationUid: UID,
  grant: {
    attestationUid: UID,
    grantee: `0x${"0b".repeat(20)}`,
    purpose: 1,
    fieldMask: 0x7ff,
    validUntil: "1900000000",
    nonce: "1",
    deadline: "1800000000",
  },
  signature: `0x${"11".repeat(65)}`,
};

/** Every /v1 route with the roles that may call it (the rest must get 403). */
const ROUTE_ROLES: {
  method: "GET" | "POST" | "PUT";
  url: string;
  roles: string[];
  payload?: object | Buffer;
  type?: string;
}[] = [
  { method: "POST", url: "/v1/onboarding/sessions", roles: ["operator"], payload: NEW_SESSION_BODY },
  { method: "POST", url: "/v1/onboarding/reuse-sessions", roles: ["operator"], payload: REUSE_BODY },
  {
    method: "PUT",
    url: "/v1/onboarding/sessions/s1/documents/front",
    roles: ["operator"],
    payload: fakeJpeg(),
    type: "image/jpeg",
  },
  { method: "POST", url: "/v1/onboarding/sessions/s1/liveness-challenge", roles: ["operator"] },
  {
    method: "POST",
    url: "/v1/onboarding/sessions/s1/selfie",
    roles: ["operator"],
    payload: {
      challengeId: "c",
      frames: [{ image: fakeJpeg(16).toString("base64"), mime: "image/jpeg", capturedAtMs: 1 }],
    },
  },
  { method: "POST", url: "/v1/onboarding/sessions/s1/decision", roles: ["operator"] },
  { method: "GET", url: "/v1/onboarding/sessions/s1", roles: ["operator", "reviewer", "auditor"] },
  { method: "GET", url: "/v1/review/cases", roles: ["reviewer", "auditor"] },
  { method: "POST", url: "/v1/review/cases/c1/claim", roles: ["reviewer"] },
  { method: "POST", url: "/v1/review/cases/c1/approve", roles: ["reviewer"], payload: { comment: "ok" } },
  { method: "POST", url: "/v1/review/cases/c1/reject", roles: ["reviewer"], payload: { comment: "no" } },
  { method: "GET", url: `/v1/attestations/${UID}/status`, roles: ["operator", "reviewer", "auditor"] },
  {
    method: "POST",
    url: `/v1/attestations/${UID}/revoke`,
    roles: ["operator"],
    payload: { reason: "CUSTOMER_REQUEST" },
  },
  { method: "GET", url: `/v1/consents/${UID}/status`, roles: ["operator", "reviewer", "auditor"] },
];

describe("API keys", () => {
  it("generates high-entropy kyc_ keys whose entry holds only the SHA-256", () => {
    const { key, entry } = generateApiKey("ops-1", "operator");
    expect(key).to.match(/^kyc_[A-Za-z0-9_-]{43}$/);
    expect(entry).to.deep.equal({ id: "ops-1", role: "operator", sha256: hashApiKey(key) });
    expect(JSON.stringify(entry)).not.to.contain(key.slice(4));
  });

  it("authenticates the right key and names its holder", () => {
    const a = generateApiKey("a", "operator");
    const b = generateApiKey("b", "auditor");
    const verifier = new ApiKeyVerifier([a.entry, b.entry]);
    expect(verifier.authenticate(`Bearer ${b.key}`)).to.deep.equal({ keyId: "b", role: "auditor" });
  });

  for (const [name, header] of [
    ["a missing header", undefined],
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["a short key", "Bearer abc"],
    ["an unknown key", `Bearer kyc_${"A".repeat(43)}`],
    ["a key with spaces", "Bearer kyc_ abc def ghi jkl mno pqr stu vwx yz"],
  ] as const) {
    it(`refuses ${name} with UNAUTHENTICATED`, () => {
      const verifier = new ApiKeyVerifier([generateApiKey("a", "operator").entry]);
      expect(() => verifier.authenticate(header))
        .to.throw()
        .that.satisfies((e: unknown) => isKycnetError(e, "UNAUTHENTICATED"));
    });
  }

  it("refuses a config with a duplicate id, an unknown role or a malformed hash", () => {
    const a = generateApiKey("a", "operator").entry;
    expect(() => validateApiKeys([a, { ...generateApiKey("a", "auditor").entry }])).to.throw(/duplicate key id/);
    expect(() => validateApiKeys([{ ...a, role: "admin" as never }])).to.throw(/role/);
    expect(() => validateApiKeys([{ ...a, sha256: "ABC" }])).to.throw(/sha256/);
    expect(() => validateApiKeys([a, { ...a, id: "b" }])).to.throw(/duplicate key hash/);
  });
});

describe("API authentication and roles over HTTP", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.app.close());

  const call = (r: (typeof ROUTE_ROLES)[number], headers: Record<string, string>) =>
    h.app.inject({
      method: r.method,
      url: r.url,
      headers: { ...headers, ...(r.type ? { "content-type": r.type } : {}) },
      ...(r.payload ? { payload: r.payload } : {}),
    });

  it("answers 401 problem+json on every /v1 route without a key", async () => {
    for (const r of ROUTE_ROLES) {
      const res = await call(r, {});
      expect(res.statusCode, r.url).to.equal(401);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(res.headers["www-authenticate"]).to.equal('Bearer realm="kycnet"');
      expect(res.json().code).to.equal("UNAUTHENTICATED");
    }
  });

  it("answers 401 for a wrong key before validating the body (nothing about the schema leaks)", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      headers: { authorization: `Bearer kyc_${"x".repeat(43)}` },
      payload: { reason: 7 },
    });
    expect(res.statusCode).to.equal(401);
  });

  it("answers 403 to every role a route does not accept, and never 401/403 to those it does", async () => {
    for (const r of ROUTE_ROLES) {
      for (const role of ["operator", "reviewer", "auditor"] as const) {
        const res = await call(r, h.auth(role));
        if (r.roles.includes(role)) expect(res.statusCode, `${role} ${r.url}`).not.to.be.oneOf([401, 403]);
        else {
          expect(res.statusCode, `${role} ${r.url}`).to.equal(403);
          expect(res.json().code).to.equal("FORBIDDEN");
        }
      }
    }
  });

  it("audits every write with the actor: REQUESTED then SUCCEEDED, with request id and status", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/onboarding/sessions",
      headers: h.auth("operator"),
      payload: NEW_SESSION_BODY,
    });
    const entries = h.services.audit.entries;
    expect(entries.map((e) => e.outcome)).to.deep.equal(["REQUESTED", "SUCCEEDED"]);
    expect(entries[1]).to.deep.include({ actor: "operator-1", role: "operator", action: "onboarding.session.create" });
    expect(entries[1]!.details).to.include({ requestId: res.headers["x-request-id"], status: 201 });
  });

  it("audits a failed write as FAILED with its problem code and the target", async () => {
    await h.app.inject({ method: "POST", url: "/v1/review/cases/nosuch/claim", headers: h.auth("reviewer") });
    const last = h.services.audit.entries.at(-1)!;
    expect(last).to.deep.include({
      outcome: "FAILED",
      target: "nosuch",
      action: "review.case.claim",
      actor: "reviewer-1",
    });
    expect(last.details).to.include({ status: 404, code: "CASE_NOT_FOUND" });
  });

  it("audits denied writes (401 anonymous, 403 wrong role) and rejected ones (400) without running them", async () => {
    await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      payload: { reason: "CUSTOMER_REQUEST" },
    });
    await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      headers: h.auth("auditor"),
      payload: { reason: "CUSTOMER_REQUEST" },
    });
    await h.app.inject({
      method: "POST",
      url: `/v1/attestations/${UID}/revoke`,
      headers: h.auth("operator"),
      payload: { reason: "NOPE" },
    });
    expect(h.services.audit.entries.map((e) => [e.actor, e.outcome, e.details.status])).to.deep.equal([
      ["anonymous", "DENIED", 401],
      ["auditor-1", "DENIED", 403],
      ["operator-1", "REJECTED", 400],
    ]);
  });

  it("records a malformed target id as (invalid), never the client's text", async () => {
    await h.app.inject({ method: "POST", url: "/v1/review/cases/NGUYEN%20VAN%20A/claim", headers: h.auth("reviewer") });
    const last = h.services.audit.entries.at(-1)!;
    expect(last).to.deep.include({ outcome: "REJECTED", target: "(invalid)" });
    expect(JSON.stringify(h.services.audit.entries)).not.to.contain("NGUYEN");
  });

  it("does not audit reads", async () => {
    await h.app.inject({ method: "GET", url: "/v1/review/cases", headers: h.auth("reviewer") });
    expect(h.services.audit.entries).to.have.length(0);
  });

  it("refuses a write with 503 AUDIT_UNAVAILABLE, without running it, when the audit log cannot be written", async () => {
    h.services.audit.failing = true;
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/onboarding/sessions",
      headers: h.auth("operator"),
      payload: NEW_SESSION_BODY,
    });
    expect(res.statusCode).to.equal(503);
    expect(res.json().code).to.equal("AUDIT_UNAVAILABLE");
    expect(h.services.onboarding.sessions.size).to.equal(0);
    expect(res.body).not.to.contain("audit store closed");
  });

  it("keeps a completed write's response when only the outcome entry fails, and logs the gap as an error", async () => {
    const sink = h.services.audit;
    const original = sink.append.bind(sink);
    let calls = 0;
    sink.append = async (entry) => {
      calls++;
      if (calls > 1) throw new Error("disk full");
      return original(entry);
    };
    const res = await h.app.inject({
      method: "POST",
      url: "/v1/onboarding/sessions",
      headers: h.auth("operator"),
      payload: NEW_SESSION_BODY,
    });
    expect(res.statusCode).to.equal(201);
    expect(h.services.audit.entries.map((e) => e.outcome)).to.deep.equal(["REQUESTED"]);
    const logged = h.logs.find((l) => l.msg === "audit append of outcome failed")!;
    expect(logged).to.include({ level: 50, action: "onboarding.session.create", outcome: "SUCCEEDED" });
  });

  it("never puts comments, keys or bodies in the audit log", async () => {
    const c = h.services.review.open("s1", []);
    await h.app.inject({ method: "POST", url: `/v1/review/cases/${c.caseId}/claim`, headers: h.auth("reviewer") });
    await h.app.inject({
      method: "POST",
      url: `/v1/review/cases/${c.caseId}/approve`,
      headers: h.auth("reviewer"),
      payload: { comment: "NGUYEN VAN A looks right" },
    });
    const text = JSON.stringify(h.services.audit.entries);
    expect(text).not.to.contain("NGUYEN");
    expect(text).not.to.contain(h.keys.reviewer);
  });
});

describe("API rate limits", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ config: { rateLimit: { max: 3, windowMs: 60_000 } } });
  });
  afterEach(async () => h.app.close());

  const read = (headers: Record<string, string>) => h.app.inject({ method: "GET", url: "/v1/review/cases", headers });

  it("answers 429 problem+json with Retry-After once a key exceeds its budget", async () => {
    for (let i = 0; i < 3; i++) expect((await read(h.auth("reviewer"))).statusCode).to.equal(200);
    const res = await read(h.auth("reviewer"));
    expect(res.statusCode).to.equal(429);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(res.json().code).to.equal("RATE_LIMITED");
    expect(Number(res.headers["retry-after"])).to.be.greaterThan(0);
  });

  it("counts each key separately", async () => {
    for (let i = 0; i < 4; i++) await read(h.auth("reviewer"));
    expect((await read(h.auth("auditor"))).statusCode).to.equal(200);
  });

  it("throttles guessing: requests without a valid key share the client address's budget", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await read({ authorization: `Bearer kyc_${String(i).repeat(43)}` })).statusCode);
    expect(statuses).to.deep.equal([401, 401, 401, 429, 429]);
  });

  it("leaves /health, /ready and /metrics outside the API budget", async () => {
    for (let i = 0; i < 5; i++)
      expect((await h.app.inject({ method: "GET", url: "/health" })).statusCode).to.equal(200);
  });
});
