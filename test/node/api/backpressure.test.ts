import { expect } from "chai";
import { createHarness, fakeJpeg, NEW_SESSION_BODY, CONSENT_BODY, type Harness } from "./harness.ts";

describe("API back-pressure on heavy routes", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ config: { maxHeavyInFlight: 1 } });
  });
  afterEach(async () => h.app.close());

  it("refuses a heavy request beyond the limit with 503 SERVER_BUSY, keeps reads answering, and frees the slot after", async () => {
    const op = h.auth("operator");
    const { sessionId } = (
      await h.app.inject({ method: "POST", url: "/v1/onboarding/sessions", headers: op, payload: NEW_SESSION_BODY })
    ).json();
    await h.app.inject({
      method: "POST",
      url: `/v1/onboarding/sessions/${sessionId}/collection-consent`,
      headers: op,
      payload: CONSENT_BODY,
    });
    let open!: () => void;
    h.services.onboarding.decideGate = new Promise((resolve) => (open = resolve));
    const slow = h.app.inject({ method: "POST", url: `/v1/onboarding/sessions/${sessionId}/decision`, headers: op });
    await new Promise((r) => setTimeout(r, 50));

    const busy = await h.app.inject({
      method: "PUT",
      url: `/v1/onboarding/sessions/${sessionId}/documents/front`,
      headers: { ...op, "content-type": "image/jpeg" },
      payload: fakeJpeg(),
    });
    expect(busy.statusCode).to.equal(503);
    expect(busy.json().code).to.equal("SERVER_BUSY");
    expect(busy.headers["retry-after"]).to.equal("5");
    // Shedding load is the node working as designed: a warning with the code, not an error with a stack.
    const shed = h.logs.find((l) => l.code === "SERVER_BUSY")!;
    expect(shed).to.include({ level: 40, msg: "request refused", status: 503 });
    expect(shed).not.to.have.property("err");
    expect(
      (await h.app.inject({ method: "GET", url: `/v1/onboarding/sessions/${sessionId}`, headers: op })).statusCode,
    ).to.equal(200);
    expect(
      (await h.app.inject({ method: "POST", url: "/v1/onboarding/sessions", headers: op, payload: NEW_SESSION_BODY }))
        .statusCode,
    ).to.equal(201);

    open();
    expect((await slow).statusCode).to.equal(409); // no uploads yet: the decision itself is refused
    const after = await h.app.inject({
      method: "PUT",
      url: `/v1/onboarding/sessions/${sessionId}/documents/front`,
      headers: { ...op, "content-type": "image/jpeg" },
      payload: fakeJpeg(),
    });
    expect(after.statusCode).to.equal(200);
  });

  it("gives the slot back when a heavy request fails", async () => {
    const op = h.auth("operator");
    for (let i = 0; i < 3; i++) {
      const res = await h.app.inject({ method: "POST", url: "/v1/onboarding/sessions/nosuch/decision", headers: op });
      expect(res.statusCode).to.equal(404);
    }
  });
});
