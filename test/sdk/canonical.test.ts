import { expect } from "chai";
import { canonicalizeField, canonicalizeRecord, foldDiacritics } from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";

const valid = {
  idNumber: "001203004567",
  fullName: "Nguyễn Thị Ánh",
  dateOfBirth: "2003-02-14",
  sex: "F",
  nationality: "VNM",
  address: "Hà Nội",
  issueDate: "2021-06-01",
  documentType: "CCCD",
  faceTemplate: "0x" + "ab".repeat(32),
};

function expectInvalid(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
    expect((error as { details: { field: string } }).details.field).to.equal(field);
    return;
  }
  expect.fail(`expected INVALID_ARGUMENT for ${field}`);
}

describe("sdk/protocol canonical values", () => {
  describe("canonicalizeField", () => {
    const accepted: Array<[Parameters<typeof canonicalizeField>[0], string, string]> = [
      ["fullName", "  nguyễn   thị\tánh ", "NGUYỄN THỊ ÁNH"],
      // NFD input (combining marks) becomes the same NFC bytes as precomposed input
      ["fullName", "Nguye\u0302\u0303n", "NGUYỄN"],
      ["address", " Số 12,  Hà Nội ", "Số 12, Hà Nội"],
      ["dateOfBirth", "2000-02-29", "2000-02-29"],
      ["sex", "m", "M"],
      ["nationality", "vnm", "VNM"],
      ["oldIdNumber", "", ""],
      ["expiryDate", " ", ""],
      ["documentType", "cccd_chip", "CCCD_CHIP"],
      ["faceTemplate", "0x" + "AB".repeat(32), "0x" + "ab".repeat(32)],
    ];
    for (const [field, raw, expected] of accepted) {
      it(`canonicalises ${field} ${JSON.stringify(raw)}`, () => {
        expect(canonicalizeField(field, raw)).to.equal(expected);
      });
    }

    const rejected: Array<[Parameters<typeof canonicalizeField>[0], unknown]> = [
      ["idNumber", "12345678901"],
      ["idNumber", "00120300456a"],
      ["oldIdNumber", "1234567890"],
      ["dateOfBirth", "2001-02-29"],
      ["dateOfBirth", "14/02/2003"],
      ["dateOfBirth", "1899-12-31"],
      ["issueDate", ""],
      ["sex", "X"],
      ["nationality", "VN"],
      ["fullName", "   "],
      ["fullName", "A\u0000B"],
      ["address", 42],
      ["documentType", "DRIVING_LICENCE"],
      ["faceTemplate", "0x1234"],
      ["address", "x".repeat(513)],
    ];
    for (const [field, raw] of rejected) {
      it(`rejects ${field} ${JSON.stringify(raw)?.slice(0, 30)} naming the field`, () => {
        expectInvalid(() => canonicalizeField(field, raw), field);
      });
    }
  });

  describe("canonicalizeRecord", () => {
    it("fills the optional fields with the empty string", () => {
      const record = canonicalizeRecord(valid);
      expect(record.oldIdNumber).to.equal("");
      expect(record.expiryDate).to.equal("");
    });
    it("rejects an unknown key rather than dropping it", () => {
      expectInvalid(() => canonicalizeRecord({ ...valid, fullname: "x" }), "fullname");
    });
    it("rejects a missing required field", () => {
      const { dateOfBirth: _omitted, ...rest } = valid;
      expectInvalid(() => canonicalizeRecord(rest), "dateOfBirth");
    });
  });

  describe("foldDiacritics", () => {
    it("folds Vietnamese marks and đ for MRZ comparison", () => {
      expect(foldDiacritics("NGUYỄN ĐỨC THẮNG đạt")).to.equal("NGUYEN DUC THANG dat");
    });
  });
});
