/**
 * The NationalIdRegistry compliance suite: every adapter must give these answers for the same
 * synthetic population. Run by http-adapter.test.ts (real simulator on loopback) and fake.test.ts.
 */
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { CitizenRecord } from "../../../../../node/src/ekyc/checks/national-id/citizen.ts";
import type {
  CardStatus,
  IdentityQuery,
  NationalIdRegistry,
} from "../../../../../node/src/ekyc/checks/national-id/port.ts";
import { foldDiacritics } from "@kycnet/sdk/protocol";
import sharp from "sharp";
import type { CitizenPhotos } from "../../../../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import { MAX_PORTRAIT_BYTES } from "../../../../../node/src/ekyc/checks/national-id/query.ts";
import { evalBytes } from "../../biometrics/helpers.ts";

export interface ComplianceContext {
  registry: NationalIdRegistry;
  citizens: readonly CitizenRecord[];
  /** Tells the registry behind the adapter that a citizen's card was reported (lost, stolen, cancelled). */
  reportCard: (idNumber: string, status: CardStatus | null) => void;
  /** The registry's photo store behind the adapter (real face model): the suite files photos in it. */
  photos: CitizenPhotos;
}

function titleCase(upper: string): string {
  return upper
    .toLocaleLowerCase("vi")
    .split(" ")
    .map((w) => w.charAt(0).toLocaleUpperCase("vi") + w.slice(1))
    .join(" ");
}

async function expectInvalid(registry: NationalIdRegistry, query: unknown, field: string): Promise<void> {
  try {
    await registry.checkIdentity(query as IdentityQuery);
  } catch (error) {
    expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
    expect((error as { details: { field: string } }).details.field).to.equal(field);
    return;
  }
  expect.fail("expected an InvalidArgumentError");
}

export function describeNationalIdRegistryCompliance(
  name: string,
  setup: () => Promise<ComplianceContext> | ComplianceContext,
): void {
  describe(`NationalIdRegistry compliance: ${name}`, () => {
    let ctx: ComplianceContext;
    let withOld: CitizenRecord;
    let withoutOld: CitizenRecord;
    before(async () => {
      ctx = await setup();
      const a = ctx.citizens.find((c) => c.oldIdNumber !== "");
      const b = ctx.citizens.find((c) => c.oldIdNumber === "");
      if (a === undefined || b === undefined) throw new Error("population needs people with and without an old id");
      withOld = a;
      withoutOld = b;
    });

    describe("by 12-digit id", () => {
      it("answers MATCH when name and date of birth agree", async () => {
        const c = withoutOld;
        expect(
          await ctx.registry.checkIdentity({ idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth }),
        ).to.deep.equal({
          status: "MATCH",
        });
      });
      it("compares names in canonical form (case, spacing, NFC vs NFD)", async () => {
        const c = withoutOld;
        const messy = `  ${titleCase(c.fullName).normalize("NFD").replace(/ /g, "   ")} `;
        const result = await ctx.registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: messy,
          dateOfBirth: c.dateOfBirth,
          sex: c.sex,
        });
        expect(result).to.deep.equal({ status: "MATCH" });
      });
      it("answers MISMATCH naming the name when diacritics are missing (the registry is exact)", async () => {
        const c = ctx.citizens.find((x) => foldDiacritics(x.fullName) !== x.fullName) ?? withoutOld;
        const result = await ctx.registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: foldDiacritics(c.fullName),
          dateOfBirth: c.dateOfBirth,
        });
        expect(result).to.deep.equal({ status: "MISMATCH", fields: ["fullName"] });
      });
      it("answers MISMATCH naming every differing field", async () => {
        const c = withoutOld;
        const result = await ctx.registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: "NGUYỄN VĂN KHÔNG CÓ",
          dateOfBirth: "1901-01-01",
          sex: c.sex === "M" ? "F" : "M",
          address: "1 Nowhere",
        });
        expect(result).to.deep.equal({ status: "MISMATCH", fields: ["fullName", "dateOfBirth", "sex", "address"] });
      });
      it("compares the address only when given, case-insensitively", async () => {
        const c = withoutOld;
        const result = await ctx.registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: c.fullName,
          dateOfBirth: c.dateOfBirth,
          address: c.address.toUpperCase(),
        });
        expect(result).to.deep.equal({ status: "MATCH" });
      });
      it("treats an empty sex or address as not given", async () => {
        const c = withoutOld;
        const result = await ctx.registry.checkIdentity({
          idNumber: c.idNumber,
          fullName: c.fullName,
          dateOfBirth: c.dateOfBirth,
          sex: "",
          address: "  ",
        });
        expect(result).to.deep.equal({ status: "MATCH" });
      });
      it("carries markup and SQL-looking names as plain data (MISMATCH, no error)", async () => {
        const c = withoutOld;
        for (const fullName of ["<script>alert(1)</script>", "'; DROP TABLE citizens; --", '{"$ne": null}']) {
          const result = await ctx.registry.checkIdentity({
            idNumber: c.idNumber,
            fullName,
            dateOfBirth: c.dateOfBirth,
          });
          expect(result).to.deep.equal({ status: "MISMATCH", fields: ["fullName"] });
        }
      });
      it("answers NOT_FOUND for an unknown number", async () => {
        const known = new Set(ctx.citizens.map((c) => c.idNumber));
        let id = 999_000_000_000;
        while (known.has(String(id))) id++;
        expect(
          await ctx.registry.checkIdentity({
            idNumber: String(id),
            fullName: "TRẦN THỊ LAN",
            dateOfBirth: "1990-01-01",
          }),
        ).to.deep.equal({
          status: "NOT_FOUND",
        });
      });
    });

    describe("by 9-digit old id (CMND)", () => {
      it("answers MATCH with the 12-digit suggestion", async () => {
        const c = withOld;
        const result = await ctx.registry.checkIdentity({
          oldIdNumber: c.oldIdNumber,
          fullName: c.fullName,
          dateOfBirth: c.dateOfBirth,
        });
        expect(result).to.deep.equal({ status: "MATCH", suggestedIdNumber: c.idNumber });
      });
      it("answers MISMATCH with the suggestion when the date of birth differs", async () => {
        const c = withOld;
        const result = await ctx.registry.checkIdentity({
          oldIdNumber: c.oldIdNumber,
          fullName: c.fullName,
          dateOfBirth: "2001-02-03",
        });
        expect(result).to.deep.equal({ status: "MISMATCH", fields: ["dateOfBirth"], suggestedIdNumber: c.idNumber });
      });
      it("answers NOT_FOUND for an unknown old id", async () => {
        const known = new Set(ctx.citizens.map((c) => c.oldIdNumber));
        let id = 100_000_000;
        while (known.has(String(id))) id++;
        expect(
          await ctx.registry.checkIdentity({
            oldIdNumber: String(id),
            fullName: "LÊ VĂN AN",
            dateOfBirth: "1970-05-05",
          }),
        ).to.deep.equal({
          status: "NOT_FOUND",
        });
      });
    });

    describe("cards reported after issue", () => {
      it("answers CARD_INVALID with the card's status, by 12-digit id and by old id, whatever the fields", async () => {
        const c = ctx.citizens.find((x) => x.oldIdNumber !== "" && x !== withOld && x !== withoutOld)!;
        const query = { fullName: c.fullName, dateOfBirth: c.dateOfBirth };
        expect(await ctx.registry.checkIdentity({ ...query, idNumber: c.idNumber })).to.deep.equal({ status: "MATCH" });
        ctx.reportCard(c.idNumber, "LOST");
        expect(await ctx.registry.checkIdentity({ ...query, idNumber: c.idNumber })).to.deep.equal({
          status: "CARD_INVALID",
          cardStatus: "LOST",
        });
        expect(await ctx.registry.checkIdentity({ ...query, oldIdNumber: c.oldIdNumber })).to.deep.equal({
          status: "CARD_INVALID",
          cardStatus: "LOST",
        });
        ctx.reportCard(c.idNumber, "STOLEN");
        expect(
          await ctx.registry.checkIdentity({ ...query, idNumber: c.idNumber, fullName: "SOMEONE ELSE" }),
        ).to.deep.equal({ status: "CARD_INVALID", cardStatus: "STOLEN" });
        ctx.reportCard(c.idNumber, null); // found again
        expect(await ctx.registry.checkIdentity({ ...query, idNumber: c.idNumber })).to.deep.equal({ status: "MATCH" });
      });
    });

    describe("portrait compared with the registry's photo (seed 003 §2.4)", () => {
      let photo: Uint8Array;
      let samePhotoAsJpeg: Uint8Array;
      let otherPerson: Uint8Array;
      let c: CitizenRecord;
      before(async () => {
        c = ctx.citizens.find((x) => x !== withOld && x !== withoutOld && x.oldIdNumber === "")!;
        photo = await evalBytes("howard", 2);
        // The chip holds the photo the registry filed, re-encoded (JPEG here, like a DG2 portrait).
        samePhotoAsJpeg = new Uint8Array(await sharp(photo).jpeg({ quality: 85 }).toBuffer());
        otherPerson = new Uint8Array(
          await sharp(await evalBytes("penny", 1))
            .jpeg({ quality: 85 })
            .toBuffer(),
        );
        await ctx.photos.enrol(c.idNumber, photo);
      });
      const query = (portrait: Uint8Array) => ({
        idNumber: c.idNumber,
        fullName: c.fullName,
        dateOfBirth: c.dateOfBirth,
        portrait,
      });

      it("answers MATCH with faceCompared when the fields and the face agree", async () => {
        const before = ctx.photos.stats();
        expect(await ctx.registry.checkIdentity(query(samePhotoAsJpeg))).to.deep.equal({
          status: "MATCH",
          faceCompared: true,
        });
        expect(ctx.photos.stats()).to.deep.equal({ compared: before.compared + 1, matched: before.matched + 1 });
      });
      it("answers MISMATCH naming the portrait when the registry's photo is someone else", async () => {
        expect(await ctx.registry.checkIdentity(query(otherPerson))).to.deep.equal({
          status: "MISMATCH",
          fields: ["portrait"],
          faceCompared: true,
        });
      });
      it("names the portrait beside differing fields", async () => {
        expect(await ctx.registry.checkIdentity({ ...query(otherPerson), dateOfBirth: "1901-01-01" })).to.deep.equal({
          status: "MISMATCH",
          fields: ["dateOfBirth", "portrait"],
          faceCompared: true,
        });
      });
      it("answers MISMATCH for a portrait with no face in it (it cannot be confirmed)", async () => {
        const blank = new Uint8Array(
          await sharp({ create: { width: 240, height: 320, channels: 3, background: "#808080" } })
            .png()
            .toBuffer(),
        );
        expect(await ctx.registry.checkIdentity(query(blank))).to.deep.equal({
          status: "MISMATCH",
          fields: ["portrait"],
          faceCompared: true,
        });
      });
      it("says faceCompared: false when it holds no photo of the citizen", async () => {
        expect(
          await ctx.registry.checkIdentity({
            ...query(samePhotoAsJpeg),
            idNumber: withoutOld.idNumber,
            fullName: withoutOld.fullName,
            dateOfBirth: withoutOld.dateOfBirth,
          }),
        ).to.deep.equal({
          status: "MATCH",
          faceCompared: false,
        });
      });
      it("compares the face by old id too, with the suggestion", async () => {
        await ctx.photos.enrol(withOld.idNumber, photo);
        try {
          expect(
            await ctx.registry.checkIdentity({
              oldIdNumber: withOld.oldIdNumber,
              fullName: withOld.fullName,
              dateOfBirth: withOld.dateOfBirth,
              portrait: otherPerson,
            }),
          ).to.deep.equal({
            status: "MISMATCH",
            fields: ["portrait"],
            suggestedIdNumber: withOld.idNumber,
            faceCompared: true,
          });
        } finally {
          ctx.photos.remove(withOld.idNumber);
        }
      });
      it("answers NOT_FOUND and CARD_INVALID as without a portrait", async () => {
        expect(await ctx.registry.checkIdentity({ ...query(samePhotoAsJpeg), idNumber: "999999999999" })).to.deep.equal(
          { status: "NOT_FOUND" },
        );
        ctx.reportCard(c.idNumber, "STOLEN");
        try {
          expect(await ctx.registry.checkIdentity(query(samePhotoAsJpeg))).to.deep.equal({
            status: "CARD_INVALID",
            cardStatus: "STOLEN",
          });
        } finally {
          ctx.reportCard(c.idNumber, null);
        }
      });
      it("rejects a portrait that is not JPEG or PNG bytes, empty, or too large", async () => {
        await expectInvalid(ctx.registry, query(new Uint8Array([1, 2, 3, 4])), "portrait");
        await expectInvalid(ctx.registry, query(new Uint8Array(0)), "portrait");
        await expectInvalid(ctx.registry, { ...query(photo), portrait: "aGVsbG8=" }, "portrait");
        const huge = new Uint8Array(MAX_PORTRAIT_BYTES + 1);
        huge.set([0xff, 0xd8, 0xff]);
        await expectInvalid(ctx.registry, query(huge), "portrait");
      });
    });

    describe("bad input", () => {
      const base = { fullName: "LÊ VĂN AN", dateOfBirth: "1970-05-05" };
      it("rejects a query with both ids", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", oldIdNumber: "123456789" }, "idNumber"));
      it("rejects a query with no id", () => expectInvalid(ctx.registry, base, "idNumber"));
      it("rejects an 11-digit id", () => expectInvalid(ctx.registry, { ...base, idNumber: "00109012345" }, "idNumber"));
      it("rejects an empty old id", () => expectInvalid(ctx.registry, { ...base, oldIdNumber: "" }, "oldIdNumber"));
      it("rejects a date that is not a calendar date", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", dateOfBirth: "1990-02-30" }, "dateOfBirth"));
      it("rejects control characters in the name", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", fullName: "LÊ\u0000VĂN" }, "fullName"));
      it("rejects an over-long name", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", fullName: "A".repeat(600) }, "fullName"));
      it("rejects unknown keys", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", face: "x" }, "face"));
      it("rejects a non-object", () => expectInvalid(ctx.registry, "001090123456", "query"));
      it("rejects a non-string sex", () =>
        expectInvalid(ctx.registry, { ...base, idNumber: "001090123456", sex: 1 }, "sex"));
    });
  });
}
