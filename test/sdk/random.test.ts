import { expect } from "chai";
import { createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { commitRecord, randomSalts, secureRandomBytes } from "@kycnet/sdk/protocol";
import { codeOf } from "../support/expect-code.ts";

const record = {
  idNumber: "001203004567",
  fullName: "Nguyễn Văn An",
  dateOfBirth: "1990-01-02",
  sex: "M",
  nationality: "VNM",
  address: "1 Tràng Tiền, Hà Nội",
  issueDate: "2021-06-01",
  documentType: "CCCD",
  faceTemplate: `0x${"ab".repeat(32)}`,
};

describe("sdk/protocol secure randomness (Web Crypto)", () => {
  it("draws the bytes asked for, different each time", () => {
    const a = secureRandomBytes(32);
    expect(a).to.be.instanceOf(Uint8Array);
    expect(a.length).to.equal(32);
    expect(Buffer.from(a).equals(Buffer.from(secureRandomBytes(32)))).to.equal(false);
    expect(new Set(Object.values(randomSalts())).size).to.equal(11);
  });

  describe("on a platform without crypto.getRandomValues (React Native without its polyfill)", () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    before(() => {
      expect(descriptor?.configurable, "globalThis.crypto can be taken away for this test").to.equal(true);
      Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    });
    after(() => Object.defineProperty(globalThis, "crypto", descriptor!));

    it("refuses to make salts, keys or nonces (RANDOM_SOURCE_UNAVAILABLE): no fallback to a weak source", async () => {
      expect(await codeOf(() => secureRandomBytes(32))).to.equal("RANDOM_SOURCE_UNAVAILABLE");
      expect(await codeOf(() => commitRecord(record))).to.equal("RANDOM_SOURCE_UNAVAILABLE");
      expect(await codeOf(() => createSubjectKey())).to.equal("RANDOM_SOURCE_UNAVAILABLE");
      const consent = grantConsent({
        subjectKey: { signTypedData: async () => "0x" },
        attestationUid: `0x${"ab".repeat(32)}`,
        grantee: `0x${"11".repeat(20)}`,
        purpose: "ONBOARDING",
        fields: ["fullName"],
        validFor: 60,
        chain: { chainId: 1n, consentRegistry: `0x${"22".repeat(20)}` },
      });
      expect(await codeOf(consent)).to.equal("RANDOM_SOURCE_UNAVAILABLE");
    });
  });
});
