/**
 * What a customer's correction does, on a card reading where the QR and the MRZ read most fields and
 * the printed text alone read the address (test/node/api/fakes.ts FAKE_CARD_READING): the source and
 * confidence shown, KEPT or REVIEW, and the document the decision then uses.
 */
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import {
  confirmFields,
  correctionsAssessed,
  documentReadingView,
  withCorrections,
} from "../../../node/src/onboarding/field-confirmation.ts";
import { fieldProvenance } from "../../../node/src/ekyc/document/field-provenance.ts";
import { FAKE_CARD_READING } from "../api/fakes.ts";

const NOW = new Date("2026-12-07T00:00:00Z");

describe("the customer confirms what was read", () => {
  it("shows each field's source and confidence by source and agreement, and what a correction would do", () => {
    const view = documentReadingView(FAKE_CARD_READING, undefined, undefined);
    const byField = Object.fromEntries(view.fields.map((f) => [f.field, f]));
    expect(byField.idNumber).to.deep.include({ source: "QR", confidence: 0.98, onCorrection: "REVIEW" });
    expect(byField.idNumber!.sources).to.deep.equal(["QR", "MRZ"]);
    expect(byField.nationality).to.deep.include({ source: "MRZ", confidence: 0.9, onCorrection: "REVIEW" });
    expect(byField.issueDate).to.deep.include({ source: "QR", confidence: 0.95, onCorrection: "REVIEW" });
    expect(byField.address).to.deep.include({ source: "PRINTED_TEXT", confidence: 0.6, onCorrection: "KEPT" });
    // Nothing read it: a value from the customer alone is for a reviewer.
    expect(byField.oldIdNumber).to.deep.include({ source: null, confidence: 0, onCorrection: "REVIEW" });
    expect(view.confirmation).to.equal(null);
  });

  it("vouches a field by the verified chip when the chip agrees, and lowers it when the chip says otherwise", () => {
    const field = FAKE_CARD_READING.fields.address;
    expect(fieldProvenance("address", field, field.value)).to.deep.equal({
      source: "chip",
      sources: ["ocr", "chip"],
      confidence: 1,
      machineRead: true,
    });
    expect(fieldProvenance("address", field, "ANOTHER ADDRESS")).to.deep.include({
      confidence: 0.3,
      machineRead: true,
    });
  });

  it("shows a passport's visual zone as a source beside the MRZ, and never as the value's source alone", () => {
    // The visual zone agreeing with the MRZ: the MRZ vouches, the print is a second source.
    const agreed = fieldProvenance(
      "fullName",
      {
        value: "SMITH EMMA",
        source: "mrz",
        agreement: "agree",
        readings: { mrz: "SMITH EMMA", ocr: "SMITH EMMA" },
      },
      undefined,
    );
    expect(agreed).to.deep.equal({ source: "mrz", sources: ["mrz", "ocr"], confidence: 0.98, machineRead: true });
    // The MRZ gave nothing (a failed check digit): the printed number is not taken, so a customer's
    // value would be a claim nothing checked, for a reviewer.
    const printedOnly = fieldProvenance(
      "idNumber",
      {
        value: "",
        source: null,
        agreement: "missing",
        readings: { ocr: "P:GBR:ZW1020623" },
      },
      undefined,
    );
    expect(printedOnly).to.deep.equal({ source: null, sources: ["ocr"], confidence: 0, machineRead: true });
  });

  it("keeps a printed-text-only correction with its provenance and uses it; a machine-read one goes to review with the value read kept", () => {
    const confirmation = confirmFields(
      FAKE_CARD_READING,
      undefined,
      {
        corrections: [
          { field: "address", value: "  125 Nguyễn Huệ,   Quận 1, TP Hồ Chí Minh " },
          { field: "fullName", value: "Nguyễn Văn Mình" },
          { field: "sex", value: "m" }, // the same as read once canonical: a confirmation
        ],
      },
      NOW,
    );
    expect(confirmation).to.deep.equal({
      confirmedAt: NOW.toISOString(),
      review: true,
      corrections: [
        {
          field: "address",
          read: "123 NGUYỄN HUỆ, QUẬN 1, TP HỒ CHÍ MINH",
          corrected: "125 Nguyễn Huệ, Quận 1, TP Hồ Chí Minh",
          source: "PRINTED_TEXT",
          outcome: "KEPT",
        },
        {
          field: "fullName",
          read: "NGUYỄN VĂN MINH",
          corrected: "NGUYỄN VĂN MÌNH",
          source: "QR",
          outcome: "REVIEW",
        },
      ],
    });
    const used = withCorrections(FAKE_CARD_READING, confirmation);
    expect(used.fields.address.value).to.equal("125 Nguyễn Huệ, Quận 1, TP Hồ Chí Minh");
    expect(used.fields.address.readings).to.deep.equal(FAKE_CARD_READING.fields.address.readings);
    expect(used.fields.fullName.value).to.equal("NGUYỄN VĂN MINH");
    expect(FAKE_CARD_READING.fields.address.value).to.equal("123 NGUYỄN HUỆ, QUẬN 1, TP HỒ CHÍ MINH");
    expect(correctionsAssessed(confirmation)).to.deep.equal([
      { field: "address", machineRead: false },
      { field: "fullName", machineRead: true },
    ]);
  });

  it("confirms as read with no corrections, and refuses an invalid value or a field corrected twice", () => {
    const confirmed = confirmFields(FAKE_CARD_READING, undefined, { corrections: [] }, NOW);
    expect(confirmed).to.deep.equal({ confirmedAt: NOW.toISOString(), corrections: [], review: false });
    expect(withCorrections(FAKE_CARD_READING, confirmed)).to.equal(FAKE_CARD_READING);
    const refused = (corrections: { field: "dateOfBirth" | "address"; value: string }[]) => {
      try {
        confirmFields(FAKE_CARD_READING, undefined, { corrections }, NOW);
      } catch (error) {
        expect(isKycnetError(error, "INVALID_ARGUMENT")).to.equal(true);
        return (error as { details: { field?: unknown } }).details.field;
      }
      throw new Error("not refused");
    };
    expect(refused([{ field: "dateOfBirth", value: "1995-02-30" }])).to.equal("dateOfBirth");
    expect(refused([{ field: "address", value: "a\u0000b" }])).to.equal("address");
    expect(
      refused([
        { field: "address", value: "X" },
        { field: "address", value: "Y" },
      ]),
    ).to.equal("address");
  });
});
