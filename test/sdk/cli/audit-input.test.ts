import { expect } from "chai";
import { parseProof, parseTime } from "@kycnet/sdk/cli";
import { parseAddresses } from "@kycnet/sdk/auditor";
import { toJsonSafe } from "@kycnet/sdk/auditor";
import { isKycnetError } from "@kycnet/sdk/errors";

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return isKycnetError(error) ? error.code : "untyped";
  }
  return undefined;
};
const hash = (b: string) => `0x${b.repeat(64)}`;
const address = (b: string) => `0x${b.repeat(40)}`;

describe("sdk/cli audit input", () => {
  describe("parseTime (--at)", () => {
    it("reads unix seconds and ISO 8601 dates and date-times (UTC unless an offset is given)", () => {
      expect(parseTime("1700000000")).to.equal(1700000000n);
      expect(parseTime("2026-11-23")).to.equal(BigInt(Date.UTC(2026, 10, 23) / 1000));
      expect(parseTime("2026-11-23T14:00:00Z")).to.equal(BigInt(Date.UTC(2026, 10, 23, 14) / 1000));
      expect(parseTime("2026-11-23T14:00")).to.equal(BigInt(Date.UTC(2026, 10, 23, 14) / 1000));
      expect(parseTime("2026-11-23T21:00:00+07:00")).to.equal(BigInt(Date.UTC(2026, 10, 23, 14) / 1000));
    });
    for (const bad of ["yesterday", "", "-5", "2026-13-45", "1e9", "99999999999999999999"]) {
      it(`INVALID_ARGUMENT for ${JSON.stringify(bad)}`, () =>
        expect(codeOf(() => parseTime(bad))).to.equal("INVALID_ARGUMENT"));
    }
  });

  describe("parseProof (--proof)", () => {
    it("splits comma-separated hashes, trimming spaces", () => {
      expect(parseProof(`${hash("a")}, ${hash("b")}`)).to.deep.equal([hash("a"), hash("b")]);
      expect(parseProof("")).to.deep.equal([]);
    });
    it("INVALID_ARGUMENT for a malformed hash or more than 32 hashes", () => {
      expect(codeOf(() => parseProof(`${hash("a")},0x12`))).to.equal("INVALID_ARGUMENT");
      expect(codeOf(() => parseProof(Array.from({ length: 33 }, () => hash("c")).join(",")))).to.equal(
        "INVALID_ARGUMENT",
      );
    });
  });

  describe("parseAddresses", () => {
    const good = { consortium: address("1"), attestations: address("2"), consents: address("3") };
    it("reads the three addresses, an optional chainId and fromBlock", () => {
      expect(parseAddresses(JSON.stringify({ ...good, chainId: "31337", fromBlock: 7 }))).to.deep.equal({
        ...good,
        chainId: 31337n,
        fromBlock: 7,
      });
    });
    it("returns the addresses EIP-55 checksummed, whatever their case", () => {
      const lower = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
      expect(parseAddresses(JSON.stringify({ ...good, consortium: lower })).consortium).to.equal(
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      );
    });
    const bad: Array<[string, string]> = [
      ["not JSON", "{"],
      ["a list", "[]"],
      ["a missing address", JSON.stringify({ ...good, consents: undefined })],
      ["a short address", JSON.stringify({ ...good, consortium: "0x12" })],
      ["a negative chainId", JSON.stringify({ ...good, chainId: -1 })],
      ["a fractional fromBlock", JSON.stringify({ ...good, fromBlock: 1.5 })],
      ["a huge file", " ".repeat(70_000)],
      // One rule for every reader of the file (node configs, auditors): a misspelt key is refused, not ignored.
      ["an unknown key", JSON.stringify({ ...good, chainID: 31337 })],
      ["a wrong EIP-55 checksum", JSON.stringify({ ...good, consents: "0x9FE46736679d2D9a65F0992F2272dE9f3c7fa6e0" })],
      ["a zero chainId", JSON.stringify({ ...good, chainId: "0" })],
    ];
    for (const [what, text] of bad) {
      it(`INVALID_ARGUMENT for ${what}`, () => expect(codeOf(() => parseAddresses(text))).to.equal("INVALID_ARGUMENT"));
    }
  });

  describe("toJsonSafe", () => {
    it("turns bigints into strings and bytes into hex, keeping nulls and dropping undefined", () => {
      expect(toJsonSafe({ a: 1n, b: new Uint8Array([1, 255]), c: null, d: undefined, e: [2n] })).to.deep.equal({
        a: "1",
        b: "0x01ff",
        c: null,
        e: ["2"],
      });
    });
  });
});
