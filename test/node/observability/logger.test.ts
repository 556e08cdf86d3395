import { expect } from "chai";
import { Writable } from "node:stream";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _e, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join("");
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("writes structured JSON with the service name and level", () => {
    const out = capture();
    createLogger({ level: "info" }, out.stream).info({ outboxDepth: 3 }, "anchored");
    expect(out.lines()[0]).to.include({ name: "kycnet-node", level: 30, msg: "anchored", outboxDepth: 3 });
  });

  it("redacts authorization headers, cookies, API keys, PINs and bodies", () => {
    const out = capture();
    createLogger({}, out.stream).info(
      {
        req: { headers: { authorization: "Bearer kyc_secret", cookie: "sid=1" } },
        headers: { authorization: "Bearer kyc_secret2" },
        apiKey: "kyc_secret3",
        hsm: { pin: "123456" },
        body: { fullName: "NGUYEN VAN A" },
        upload: { body: "base64...", frames: ["..."] },
      },
      "x",
    );
    const text = out.text();
    for (const secret of ["kyc_secret", "sid=1", "123456", "NGUYEN", "base64..."]) expect(text).not.to.contain(secret);
    expect(text).to.contain("[redacted]");
  });

  it("logs requests as id, method and route template only (no headers, no raw URL)", () => {
    const out = capture();
    createLogger({}, out.stream).info(
      {
        req: {
          id: "r1",
          method: "GET",
          url: "/v1/review/cases?status=OPEN&q=NGUYEN",
          headers: { authorization: "Bearer x" },
          routeOptions: { url: "/v1/review/cases" },
        },
      },
      "incoming request",
    );
    expect(out.lines()[0]!.req).to.deep.equal({ id: "r1", method: "GET", route: "/v1/review/cases" });
    expect(out.text()).not.to.contain("NGUYEN");
  });

  it("drops lines below the configured level", () => {
    const out = capture();
    const log = createLogger({ level: "warn" }, out.stream);
    log.info("quiet");
    log.warn("loud");
    expect(out.lines().map((l) => l.msg)).to.deep.equal(["loud"]);
  });

  it("refuses an unknown level with INVALID_ARGUMENT", () => {
    expect(() => createLogger({ level: "chatty" }))
      .to.throw()
      .that.satisfies((e: unknown) => isKycnetError(e, "INVALID_ARGUMENT"));
  });
});
