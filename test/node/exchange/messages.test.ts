/** The wire codecs of /kycnet/record/1.0.0: what they accept, and every way they refuse hostile bytes. */
import { expect } from "chai";
import {
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  decodePayload,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  payloadAad,
  salvageRequestId,
} from "../../../node/src/exchange/messages.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";

const h = (byte: string) => ("0x" + byte.repeat(32)) as Hex;
const text = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const request = { v: 1, consentId: h("aa"), attestationUid: h("bb"), fields: 0b101, requestId: h("cc") };

function expectProtocolError(run: () => unknown, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(isKycnetError(error, "EXCHANGE_PROTOCOL"), String(error)).to.equal(true);
    expect((error as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`accepted input that should fail with ${pattern}`);
}

describe("exchange/messages codecs", () => {
  describe("requests", () => {
    it("round-trips a well-formed request", () => {
      expect(decodeRequest(encodeMessage(request as never))).to.deep.equal(request);
    });

    const cases: Array<[string, unknown, RegExp]> = [
      ["not JSON", "{", /not UTF-8 JSON/],
      ["an array", [], /not a JSON object/],
      ["a missing key", { ...request, requestId: undefined }, /requestId is missing/],
      ["an unknown key", { ...request, admin: true }, /unknown key/],
      ["another version", { ...request, v: 2 }, /v must be 1/],
      ["upper-case hex", { ...request, consentId: h("AA") }, /consentId/],
      ["a short id", { ...request, requestId: "0x1234" }, /requestId/],
      ["an empty mask", { ...request, fields: 0 }, /field mask/],
      ["an unknown field bit", { ...request, fields: 0x800 }, /field mask/],
      ["a fractional mask", { ...request, fields: 1.5 }, /field mask/],
      ["a string mask", { ...request, fields: "5" }, /field mask/],
    ];
    for (const [name, value, pattern] of cases) {
      it(`refuses ${name}`, () => expectProtocolError(() => decodeRequest(text(value)), pattern));
    }

    it(`refuses more than ${MAX_REQUEST_BYTES} bytes before parsing`, () => {
      expectProtocolError(() => decodeRequest(new Uint8Array(MAX_REQUEST_BYTES + 1)), /exceeds/);
    });

    it("salvages the request id of a refused request, and only a well-formed one", () => {
      expect(salvageRequestId(text({ ...request, fields: 0 }))).to.equal(h("cc"));
      expect(salvageRequestId(text({ ...request, requestId: "nope" }))).to.equal(null);
      expect(salvageRequestId(text("garbage"))).to.equal(null);
    });
  });

  describe("responses", () => {
    it("accepts OK with a sealed payload and a refusal without one", () => {
      expect(
        decodeResponse(text({ v: 1, requestId: h("cc"), status: "OK", message: "", sealed: "AAEC" })).sealed,
      ).to.equal("AAEC");
      expect(decodeResponse(text({ v: 1, requestId: null, status: "BAD_REQUEST", message: "x" })).status).to.equal(
        "BAD_REQUEST",
      );
    });

    it("refuses an unknown status, OK without a payload, a refusal with one, bad base64 and long messages", () => {
      expectProtocolError(
        () => decodeResponse(text({ v: 1, requestId: null, status: "MAYBE", message: "" })),
        /status/,
      );
      expectProtocolError(
        () => decodeResponse(text({ v: 1, requestId: h("cc"), status: "OK", message: "" })),
        /sealed/,
      );
      expectProtocolError(
        () => decodeResponse(text({ v: 1, requestId: h("cc"), status: "NOT_MEMBER", message: "", sealed: "AA" })),
        /sealed/,
      );
      expectProtocolError(
        () => decodeResponse(text({ v: 1, requestId: h("cc"), status: "OK", message: "", sealed: "!!" })),
        /base64/,
      );
      expectProtocolError(
        () => decodeResponse(text({ v: 1, requestId: null, status: "INTERNAL", message: "x".repeat(201) })),
        /message/,
      );
      expectProtocolError(() => decodeResponse(new Uint8Array(MAX_RESPONSE_BYTES + 1)), /exceeds/);
    });
  });

  describe("disclosure payloads", () => {
    const field = { name: "fullName", value: "TRẦN THỊ THỬ", salt: h("01"), proof: [h("02"), h("03")] };
    const payload = {
      v: 1,
      consentId: h("aa"),
      attestationUid: h("bb"),
      requestId: h("cc"),
      fields: [field],
      faceTemplate: null,
    };

    it("round-trips a payload", () => {
      expect(decodePayload(text(payload))).to.deep.equal(payload);
    });

    it("refuses unknown field names, unbounded values and proofs, too many fields and an oversized template", () => {
      expectProtocolError(
        () => decodePayload(text({ ...payload, fields: [{ ...field, name: "salary" }] })),
        /not a record field/,
      );
      expectProtocolError(
        () => decodePayload(text({ ...payload, fields: [{ ...field, value: "x".repeat(5000) }] })),
        /bounded string/,
      );
      expectProtocolError(
        () => decodePayload(text({ ...payload, fields: [{ ...field, proof: new Array(33).fill(h("02")) }] })),
        /at most 32/,
      );
      expectProtocolError(() => decodePayload(text({ ...payload, fields: new Array(12).fill(field) })), /at most 11/);
      expectProtocolError(() => decodePayload(text({ ...payload, faceTemplate: "A".repeat(40_000) })), /faceTemplate/);
      expectProtocolError(() => decodePayload(text({ ...payload, fields: [{ ...field, extra: 1 }] })), /unknown key/);
    });

    it("binds the payload to consentId || requestId (64 bytes, order matters)", () => {
      const aad = payloadAad(h("aa"), h("cc"));
      expect(aad.byteLength).to.equal(64);
      expect(Buffer.from(aad).equals(Buffer.from(payloadAad(h("cc"), h("aa"))))).to.equal(false);
    });
  });
});
