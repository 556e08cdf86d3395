import { expect } from "chai";
import { citizenIdInconsistencies, decodeCitizenId } from "../../../../node/src/ekyc/document/citizen-id.ts";
import { QrPayloadError } from "../../../../node/src/ekyc/document/errors.ts";
import { parseCccdQr } from "../../../../node/src/ekyc/document/qr/cccd-payload.ts";
import { makePerson, qrPayload } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";

const VALID =
  "079303001234|123456789|Nguyễn Thị Thu Hà|05032003|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh|15062022";
const withPart = (index: number, value: string): string =>
  VALID.split("|")
    .map((p, i) => (i === index ? value : p))
    .join("|");

function expectPayloadError(text: string, field?: string): void {
  try {
    parseCccdQr(text);
  } catch (error) {
    expect(error).to.be.instanceOf(QrPayloadError);
    expect((error as QrPayloadError).code).to.equal("QR_PAYLOAD_INVALID");
    if (field !== undefined) expect((error as QrPayloadError).details.field).to.equal(field);
    return;
  }
  expect.fail(`accepted a malformed payload: ${text}`);
}

describe("CCCD QR payload", () => {
  it("parses a valid payload into canonical values (upper-case NFC name, ISO dates, M/F)", () => {
    const d = parseCccdQr(VALID);
    expect(d).to.deep.equal({
      idNumber: "079303001234",
      oldIdNumber: "123456789",
      fullName: "NGUYỄN THỊ THU HÀ",
      dateOfBirth: "2003-03-05",
      sex: "F",
      address: "12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh",
      issueDate: "2022-06-15",
    });
    expect(d.fullName).to.equal(d.fullName.normalize("NFC"));
  });
  it("accepts an empty old id and decomposed (NFD) input", () => {
    const d = parseCccdQr(withPart(1, "").normalize("NFD"));
    expect(d.oldIdNumber).to.equal("");
    expect(d.fullName).to.equal("NGUYỄN THỊ THU HÀ");
  });
  it("round-trips every generated person", () => {
    for (let i = 0; i < 30; i++) {
      const p = makePerson(createRng(500 + i));
      const d = parseCccdQr(qrPayload(p));
      expect(d).to.deep.include({
        idNumber: p.idNumber,
        oldIdNumber: p.oldIdNumber,
        fullName: p.fullName,
        dateOfBirth: p.dateOfBirth,
        sex: p.sex,
        address: p.address,
        issueDate: p.issueDate,
      });
    }
  });

  describe("rejects malformed payloads with a typed error naming the part", () => {
    const fixed = VALID;
    const part = (i: number, v: string) =>
      fixed
        .split("|")
        .map((p, j) => (j === i ? v : p))
        .join("|");
    it("empty, too long, wrong number of parts", () => {
      expectPayloadError("");
      expectPayloadError("x".repeat(2000));
      expectPayloadError("hello world");
      expectPayloadError(`${fixed}|extra`);
    });
    it("id number: not 12 digits, unknown province", () => {
      expectPayloadError(part(0, "07920300123"), "idNumber");
      expectPayloadError(part(0, "999203001234"), "idNumber");
    });
    it("id number inconsistent with the date of birth or sex", () => {
      expectPayloadError(part(0, "079103001234"), "idNumber"); // digit 1: female born in the 1900s, born 2003
      expectPayloadError(part(0, "079304001234"), "idNumber"); // birth-year digits 04, born 2003
      expectPayloadError(part(4, "Nam"), "idNumber"); // digit 3 says female
    });
    it("old id not 9 digits", () => expectPayloadError(part(1, "12345"), "oldIdNumber"));
    it("name missing or with digits", () => {
      expectPayloadError(part(2, ""), "fullName");
      expectPayloadError(part(2, "Nguyen 3"), "fullName");
    });
    it("dates that are not real calendar dates or in the wrong format", () => {
      expectPayloadError(part(3, "31022003"), "dateOfBirth");
      expectPayloadError(part(3, "5/3/2003"), "dateOfBirth");
      expectPayloadError(part(6, "32012022"), "issueDate");
      expectPayloadError(part(6, "01012001"), "issueDate"); // before birth
    });
    it("sex not Nam/Nữ", () => expectPayloadError(part(4, "X"), "sex"));
    it("address missing", () => expectPayloadError(part(5, " "), "address"));
  });
});

describe("citizen id structure", () => {
  it("decodes province, sex and century", () => {
    expect(decodeCitizenId("001095001234")).to.deep.equal({
      provinceCode: "001",
      sex: "M",
      century: 1900,
      birthYearTwoDigits: "95",
    });
    expect(decodeCitizenId("079305001234")).to.deep.include({ sex: "F", century: 2000 });
  });
  it("reports malformed ids", () => {
    expect(decodeCitizenId("12345")).to.deep.equal({ problem: "must be 12 digits" });
    expect(decodeCitizenId("003095001234"))
      .to.have.property("problem")
      .that.matches(/province/);
  });
  it("lists inconsistencies with date of birth and sex", () => {
    expect(citizenIdInconsistencies("001095001234", "1995-01-01", "M")).to.deep.equal([]);
    expect(citizenIdInconsistencies("001095001234", "1996-01-01", "F")).to.have.length(2);
  });
});
