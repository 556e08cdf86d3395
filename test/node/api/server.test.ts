import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { hashApiKey } from "../../../node/src/api/auth.ts";
import { startServer, type RunningServer } from "../../../node/src/api/server.ts";
import { createHarness, fakeJpeg, NEW_SESSION_BODY, CONSENT_BODY, type Harness } from "./harness.ts";

describe("API over a real socket", () => {
  let h: Harness;
  let server: RunningServer;
  before(async () => {
    h = await createHarness();
    server = await startServer(h.app, { host: "127.0.0.1", port: 0 });
  });
  after(async () => server.stop());

  it("listens on the requested host with a free port and answers /health", async () => {
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/health`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: "ok" });
  });

  it("runs an onboarding upload end to end over HTTP, with auth and problem+json", async () => {
    const headers = { authorization: `Bearer ${h.keys.operator}` };
    const created = await fetch(`${server.url}/v1/onboarding/sessions`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(NEW_SESSION_BODY),
    });
    expect(created.status).to.equal(201);
    const { sessionId } = (await created.json()) as { sessionId: string };
    const consented = await fetch(`${server.url}/v1/onboarding/sessions/${sessionId}/collection-consent`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(CONSENT_BODY),
    });
    expect(consented.status).to.equal(201);
    const upload = await fetch(`${server.url}/v1/onboarding/sessions/${sessionId}/documents/back`, {
      method: "PUT",
      headers: { ...headers, "content-type": "image/jpeg" },
      body: fakeJpeg(4096),
    });
    expect(upload.status).to.equal(200);
    const denied = await fetch(`${server.url}/v1/onboarding/sessions`, { method: "POST" });
    expect(denied.status).to.equal(401);
    expect(denied.headers.get("content-type")).to.match(/^application\/problem\+json/);
  });

  it("cuts off an oversized upload without reading it all", async () => {
    const res = await fetch(`${server.url}/v1/onboarding/sessions/s1/documents/front`, {
      method: "PUT",
      headers: { authorization: `Bearer ${h.keys.operator}`, "content-type": "image/jpeg" },
      body: fakeJpeg(9 * 1024 * 1024),
    });
    expect(res.status).to.equal(413);
  });
});

describe("kycnet api-key new", () => {
  it("prints a key and a config entry holding only its SHA-256", async () => {
    const { stdout } = await promisify(execFile)("./bin/kycnet", [
      "api-key",
      "new",
      "--id",
      "rev-2",
      "--role",
      "reviewer",
      "--json",
    ]);
    const { key, entry } = JSON.parse(stdout) as { key: string; entry: { id: string; role: string; sha256: string } };
    expect(entry).to.deep.equal({ id: "rev-2", role: "reviewer", sha256: hashApiKey(key) });
  });

  it("exits 2 for an unknown role", async () => {
    const error = await promisify(execFile)("./bin/kycnet", ["api-key", "new", "--id", "x", "--role", "admin"]).then(
      () => null,
      (e: { code: number }) => e,
    );
    expect(error?.code).to.equal(2);
  });
});
