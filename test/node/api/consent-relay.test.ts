import { expect } from "chai";
import { createHarness, type Harness } from "./harness.ts";

const CONSENT = `0x${"c0".repeat(32)}` as const;
const SIGNATURE = `0x${"11".repeat(65)}`;
const body = (consentId = CONSENT) => ({
  revocation: { consentId, nonce: "7", deadline: "1900000000" },
  signature: SIGNATURE,
});

describe("API POST /v1/consents/:id/revoke (relay a customer's revocation)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.app.close());

  it("relays the signed revocation for an operator and audits the write", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/consents/${CONSENT}/revoke`,
      headers: h.auth("operator"),
      payload: body(),
    });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.json()).to.include({ consentId: CONSENT });
    expect(h.services.consents.consents.get(CONSENT)).to.equal("REVOKED");
    expect(h.services.audit.entries.map((e) => `${e.action}:${e.outcome}`)).to.include(
      "consent.revoke.relay:SUCCEEDED",
    );
  });

  it("refuses a revocation for another consent than the one in the path", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/consents/${CONSENT}/revoke`,
      headers: h.auth("operator"),
      payload: body(`0x${"d0".repeat(32)}`),
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().code).to.equal("INVALID_ARGUMENT");
  });

  it("refuses a malformed signature with a problem naming the field", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/consents/${CONSENT}/revoke`,
      headers: h.auth("operator"),
      payload: { ...body(), signature: "0x1234" },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
  });

  it("is an operator's write: an auditor gets 403", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/consents/${CONSENT}/revoke`,
      headers: h.auth("auditor"),
      payload: body(),
    });
    expect(res.statusCode).to.equal(403);
  });
});
