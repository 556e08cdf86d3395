import { expect } from "chai";
import {
  canonicalizeField,
  canonicalizeRecord,
  documentNumberKind,
  foldDiacritics,
  parsePassportIdNumber,
  passportIdNumber,
} from "@kycnet/sdk/protocol";
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
      ["idNumber", " p:uto:l898902c3 ", "P:UTO:L898902C3"],
      ["idNumber", "P:D:C01X00T47", "P:D:C01X00T47"],
      ["nationality", "d", "D"],
      // A single disclosed field of a passport record must verify: "" is a field value (the record
      // decides whether it may be empty, see below).
      ["address", "  ", ""],
      ["issueDate", "", ""],
    ];
    for (const [field, raw, expected] of accepted) {
      it(`canonicalises ${field} ${JSON.stringify(raw)}`, () => {
        expect(canonicalizeField(field, raw)).to.equal(expected);
      });
    }

    const rejected: Array<[Parameters<typeof canonicalizeField>[0], unknown]> = [
      ["idNumber", "12345678901"],
      ["idNumber", "00120300456a"],
      ["idNumber", "L898902C3"],
      ["idNumber", "P::L898902C3"],
      ["idNumber", "P:UT0:L898902C3"],
      ["idNumber", "P:UTO:L898902C3X"],
      ["idNumber", "P:UTO:L898<902"],
      ["idNumber", "C:VNM:001203004567"],
      ["nationality", "DE"],
      ["oldIdNumber", "1234567890"],
      ["dateOfBirth", "2001-02-29"],
      ["dateOfBirth", "14/02/2003"],
      ["dateOfBirth", "1899-12-31"],
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
    it("still requires an address and an issue date on a card, given empty or left out", () => {
      expectInvalid(() => canonicalizeRecord({ ...valid, issueDate: "" }), "issueDate");
      expectInvalid(() => canonicalizeRecord({ ...valid, address: " " }), "address");
      const { address: _omitted, ...rest } = valid;
      expectInvalid(() => canonicalizeRecord(rest), "address");
    });
  });

  describe("passport records", () => {
    const passport = {
      idNumber: "P:UTO:L898902C3",
      fullName: "ERIKSSON ANNA MARIA",
      dateOfBirth: "1974-08-12",
      sex: "F",
      nationality: "UTO",
      expiryDate: "2032-04-15",
      documentType: "PASSPORT",
      faceTemplate: "0x" + "cd".repeat(32),
    };
    it("needs no address, issue date or old id number (a data page has none)", () => {
      const record = canonicalizeRecord(passport);
      expect(record.idNumber).to.equal("P:UTO:L898902C3");
      expect([record.address, record.issueDate, record.oldIdNumber]).to.deep.equal(["", "", ""]);
      expect(documentNumberKind(record.idNumber)).to.equal("PASSPORT");
      expect(parsePassportIdNumber(record.idNumber)).to.deep.equal({
        issuingState: "UTO",
        documentNumber: "L898902C3",
      });
    });
    it("keeps the two kinds apart: a passport number only on a PASSPORT, 12 digits only on a card", () => {
      expectInvalid(() => canonicalizeRecord({ ...passport, idNumber: "001203004567" }), "idNumber");
      expectInvalid(() => canonicalizeRecord({ ...valid, idNumber: "P:UTO:L898902C3" }), "idNumber");
      expectInvalid(() => canonicalizeRecord({ ...passport, oldIdNumber: "012345678" }), "oldIdNumber");
    });
    it("never gives a passport number and a citizen id the same canonical value", () => {
      // The digits of a citizen id as a passport number (a TD3 number has at most 9 characters, so
      // even these are refused), and the shortest passport form: neither is 12 digits.
      expectInvalid(() => passportIdNumber("VNM", "001203004567"), "documentNumber");
      const value = passportIdNumber("vnm", "001203004");
      expect(value).to.equal("P:VNM:001203004");
      expect(documentNumberKind(value)).to.equal("PASSPORT");
      expect(documentNumberKind("001203004567")).to.equal("CITIZEN_ID");
      expect(documentNumberKind("001203004")).to.equal(null);
    });
    it("refuses a malformed issuing state or number", () => {
      expectInvalid(() => passportIdNumber("U1O", "L898902C3"), "issuingState");
      expectInvalid(() => passportIdNumber("UTO", ""), "documentNumber");
      expectInvalid(() => passportIdNumber("UTO", "L89890<C3"), "documentNumber");
    });
  });

  describe("foldDiacritics", () => {
    it("folds Vietnamese marks and đ for MRZ comparison", () => {
      expect(foldDiacritics("NGUYỄN ĐỨC THẮNG đạt")).to.equal("NGUYEN DUC THANG dat");
    });
  });
});
