/** packageChipFiles: the bank app's side of the chip upload (names, sizes, base64) before anything is sent. */
import { expect } from "chai";
import { CHIP_FILE_MAX_BYTES, chipFileIdOf, packageChipFiles } from "@kycnet/sdk/bank";
import { isKycnetError } from "@kycnet/sdk/errors";

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const required = { SOD: bytes(10, 1), DG1: bytes(5, 2), DG2: bytes(3, 3) };

describe("SDK bank: packageChipFiles", () => {
  it("encodes each file as standard base64 under its id, whatever the reader named it", () => {
    const body = packageChipFiles({ "EF_SOD.bin": required.SOD, "ef.dg1": required.DG1, dg2: required.DG2 });
    expect(Object.keys(body.files).sort()).to.deep.equal(["DG1", "DG2", "SOD"]);
    expect(Buffer.from(body.files.SOD, "base64")).to.deep.equal(Buffer.from(required.SOD));
    expect(body.activeAuthentication).to.equal(undefined);
  });

  it("carries the chip's answer with the challenge it signed", () => {
    const body = packageChipFiles(required, { challenge: "00112233AABBCCDD", response: bytes(128, 9) });
    expect(body.activeAuthentication!.challenge).to.equal("00112233aabbccdd");
    expect(Buffer.from(body.activeAuthentication!.response, "base64")).to.deep.equal(Buffer.from(bytes(128, 9)));
  });

  it("encodes the largest portrait allowed (chunked, no stack overflow)", () => {
    const dg2 = bytes(CHIP_FILE_MAX_BYTES.DG2, 0xff);
    const body = packageChipFiles({ ...required, DG2: dg2 });
    expect(Buffer.from(body.files.DG2, "base64").length).to.equal(dg2.length);
  });

  const refusals: Array<[string, () => unknown, string]> = [
    ["a missing required file", () => packageChipFiles({ SOD: required.SOD, DG1: required.DG1 }), "DG2"],
    ["an unknown file", () => packageChipFiles({ ...required, "photo.jpg": bytes(1) }), "photo.jpg"],
    ["a file named twice", () => packageChipFiles({ ...required, "EF.SOD": bytes(1) }), "EF.SOD"],
    ["an empty file", () => packageChipFiles({ ...required, DG15: new Uint8Array(0) }), "DG15"],
    ["an oversized file", () => packageChipFiles({ ...required, DG1: bytes(CHIP_FILE_MAX_BYTES.DG1 + 1) }), "DG1"],
    ["a malformed challenge", () => packageChipFiles(required, { challenge: "xyz", response: bytes(8) }), "challenge"],
  ];
  for (const [what, run, field] of refusals) {
    it(`refuses ${what} (INVALID_ARGUMENT naming ${field})`, () => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
      expect((error as { details: { field: string } }).details.field).to.equal(field);
    });
  }

  it("knows the elementary file names", () => {
    expect(chipFileIdOf("EF_COM.bin")).to.equal("COM");
    expect(chipFileIdOf("DG14")).to.equal("DG14");
    expect(chipFileIdOf("DG3")).to.equal(null); // behind EAC: not part of the upload
    expect(chipFileIdOf("DG1.jpg")).to.equal(null);
  });
});
