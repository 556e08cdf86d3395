/**
 * The card against its chip (chip-agreement.ts): the chip's values (DG13 first, then DG1) against each
 * card reading, compared the way the card's own sources are compared (MRZ names folded), one mismatch
 * per field naming the sources that differ; a source that read nothing is no disagreement.
 */
import { expect } from "chai";
import { chipCardMismatches, chipFields } from "../../../../node/src/ekyc/document/chip-agreement.ts";
import type { ChipMrz, VietnameseChipData } from "../../../../node/src/ekyc/document/chip/index.ts";
import {
  DOCUMENT_FIELDS,
  type DocumentFieldName,
  type DocumentResult,
  type DocumentSource,
  type FieldResult,
} from "../../../../node/src/ekyc/document/types.ts";

type Readings = Partial<Record<DocumentFieldName, Partial<Record<DocumentSource, string>>>>;

function card(readings: Readings, mrzLines: string[] | null = null): DocumentResult {
  const fields = Object.fromEntries(
    DOCUMENT_FIELDS.map((f): [DocumentFieldName, FieldResult] => {
      const r = readings[f] ?? {};
      const first = Object.entries(r)[0];
      return [
        f,
        {
          value: first?.[1] ?? "",
          source: (first?.[0] as DocumentSource | undefined) ?? null,
          agreement: "agree",
          readings: r,
        },
      ];
    }),
  ) as Record<DocumentFieldName, FieldResult>;
  return {
    documentType: "CCCD",
    fields,
    disagreements: [],
    signals: [],
    checks: { expired: false, ageYears: null, adult: null },
    evidence: { qrText: null, mrzLines, mrzRepairs: [], ocrLines: {} },
    timings: { decodeMs: 0, qrMs: 0, mrzMs: 0, ocrMs: 0, tamperMs: 0, totalMs: 0 },
  };
}

const MRZ: ChipMrz = {
  format: "TD1",
  documentCode: "ID",
  issuingState: "VNM",
  documentNumber: "079095001234",
  optionalData: "079095001234",
  surname: "NGUYEN",
  givenNames: "THI THANH HUONG",
  nameCut: false,
  nationality: "VNM",
  sex: "F",
  dateOfBirth: "1995-03-14",
  expiryDate: "2035-03-14",
  checkDigitsValid: true,
  lines: [],
};

/** A Utopian passport chip's DG1 (ICAO 9303's specimen number), with `overrides`. */
const passportMrz = (overrides: Partial<ChipMrz> = {}): ChipMrz => ({
  ...MRZ,
  format: "TD3",
  documentCode: "P",
  issuingState: "UTO",
  documentNumber: "L898902C3",
  optionalData: "",
  nationality: "UTO",
  ...overrides,
});

const VN: VietnameseChipData = {
  idNumber: "079095001234",
  fullName: "Nguyễn Thị Thanh Hương",
  dateOfBirth: "1995-03-14",
  sex: "F",
  nationality: "Việt Nam",
  ethnicity: "Kinh",
  religion: null,
  placeOfOrigin: null,
  placeOfResidence: "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
  identifyingMarks: null,
  issueDate: "2021-05-01",
  expiryDate: "2035-03-14",
  fatherName: null,
  motherName: null,
  spouseName: null,
  oldIdNumber: null,
  raw: {},
  otherFields: [],
};

const agreeing: Readings = {
  idNumber: { qr: "079095001234", mrz: "079095001234", ocr: "079095001234" },
  fullName: { qr: "NGUYỄN THỊ THANH HƯƠNG", mrz: "NGUYEN THI THANH HUONG", ocr: "NGUYỄN THỊ THANH HƯƠNG" },
  dateOfBirth: { qr: "1995-03-14", mrz: "1995-03-14", ocr: "1995-03-14" },
  sex: { qr: "F", mrz: "F", ocr: "F" },
  expiryDate: { qr: "2035-03-14", mrz: "2035-03-14", ocr: "" },
  address: { qr: "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh" },
};

describe("chip against card (chip-agreement)", () => {
  it("finds nothing when every reading says what the chip says (MRZ name without diacritics included)", () => {
    expect(chipCardMismatches({ mrz: MRZ, vietnamese: VN }, card(agreeing))).to.deep.equal([]);
  });

  it("reports each differing field once, naming the sources that differ", () => {
    const altered: Readings = {
      ...agreeing,
      dateOfBirth: { qr: "1994-03-14", mrz: "1994-03-14", ocr: "1995-03-14" },
      fullName: { ...agreeing.fullName, ocr: "NGUYỄN THỊ THANH HÀ" },
    };
    expect(chipCardMismatches({ mrz: MRZ, vietnamese: VN }, card(altered))).to.deep.equal([
      { field: "fullName", sources: ["ocr"] },
      { field: "dateOfBirth", sources: ["qr", "mrz"] },
    ]);
  });

  it("compares with DG1 alone when the chip has no DG13, and skips what DG1 does not hold", () => {
    const fields = chipFields({ mrz: MRZ, vietnamese: null });
    expect(fields).to.deep.equal({
      idNumber: "079095001234",
      dateOfBirth: "1995-03-14",
      sex: "F",
      expiryDate: "2035-03-14",
    });
    const otherAddress: Readings = { ...agreeing, address: { qr: "somewhere else" } };
    expect(chipCardMismatches({ mrz: MRZ, vietnamese: null }, card(otherAddress))).to.deep.equal([]);
  });

  it("takes a passport chip's DG1 number in its canonical form, and only when its check digit holds", () => {
    const passport = passportMrz();
    expect(chipFields({ mrz: passport, vietnamese: null }).idNumber).to.equal("P:UTO:L898902C3");
    const page = card({ idNumber: { mrz: "P:UTO:L898902C3" } });
    expect(chipCardMismatches({ mrz: passport, vietnamese: null }, page)).to.deep.equal([]);
    const other = card({ idNumber: { mrz: "P:UTO:L898902C4" } });
    expect(chipCardMismatches({ mrz: passport, vietnamese: null }, other)).to.deep.equal([
      { field: "idNumber", sources: ["mrz"] },
    ]);
    expect(chipFields({ mrz: { ...passport, checkDigitsValid: false }, vietnamese: null }).idNumber).to.equal(
      undefined,
    );
  });

  it("takes a passport chip's DG1 name as cut only when it fills its field: then a longer printed name agrees", () => {
    const passport = (surname: string, givenNames: string, nameCut: boolean): ChipMrz =>
      passportMrz({ surname, givenNames, nameCut });
    const page = card({ fullName: { ocr: "ERIKSSON ANNA MARIA CHRISTINA LOUISE ELISABETH" } });
    // 39 characters: ERIKSSON<<ANNA<MARIA<CHRISTINA<LOUISE<E
    const cut = passport("ERIKSSON", "ANNA MARIA CHRISTINA LOUISE E", true);
    expect(chipCardMismatches({ mrz: cut, vietnamese: null }, page)).to.deep.equal([]);
    // ERIKSSON<<ANNA<MARIA<CHRISTINA and nine fillers: the whole name, so the printed one is longer.
    const whole = passport("ERIKSSON", "ANNA MARIA CHRISTINA", false);
    expect(chipCardMismatches({ mrz: whole, vietnamese: null }, page)).to.deep.equal([
      { field: "fullName", sources: ["ocr"] },
    ]);
  });

  it("takes the cut of the MRZ on each comparison's MRZ side: a page whose MRZ fills its field does not make a whole chip name cut", () => {
    const chipMrz = passportMrz({ surname: "ERIKSSON", givenNames: "ANNA MARIA CHRISTINA", nameCut: false });
    // The page's MRZ names two more given names and fills its 39 characters; the chip's does not.
    const page = card(
      {
        fullName: {
          mrz: "ERIKSSON ANNA MARIA CHRISTINA LOUISE E",
          ocr: "ERIKSSON ANNA MARIA CHRISTINA LOUISE ELISABETH",
        },
      },
      ["P<UTOERIKSSON<<ANNA<MARIA<CHRISTINA<LOUISE<E", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"],
    );
    expect(chipCardMismatches({ mrz: chipMrz, vietnamese: null }, page)).to.deep.equal([
      { field: "fullName", sources: ["mrz", "ocr"] },
    ]);
  });

  it("takes a card MRZ name that fills its field as cut against the chip's DG13 name", () => {
    // NGUYEN<<THI<THANH<HUONG<NGOC<A: 30 characters, the TD1 field full.
    const longName = { ...VN, fullName: "Nguyễn Thị Thanh Hương Ngọc Anh" };
    const lines = [
      "IDVNM0950012341079095001234<<<",
      "9503143F3503143VNM<<<<<<<<<<<2",
      "NGUYEN<<THI<THANH<HUONG<NGOC<A",
    ];
    const cut = card({ fullName: { mrz: "NGUYEN THI THANH HUONG NGOC A" } }, lines);
    expect(chipCardMismatches({ mrz: MRZ, vietnamese: longName }, cut)).to.deep.equal([]);
    const whole = card({ fullName: { mrz: "NGUYEN THI THANH HUONG NGOC" } }, [
      ...lines.slice(0, 2),
      "NGUYEN<<THI<THANH<HUONG<NGOC<<",
    ]);
    expect(chipCardMismatches({ mrz: MRZ, vietnamese: longName }, whole)).to.deep.equal([
      { field: "fullName", sources: ["mrz"] },
    ]);
  });
});
