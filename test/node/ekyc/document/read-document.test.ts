/**
 * End-to-end document reading on generated cards with the real engines (PaddleOCR ONNX,
 * tesseract.js with Debian's Vietnamese model). Cards are generated once into a temp dir.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, crc32 } from "node:zlib";
import sharp from "sharp";
import {
  createDocumentEngines,
  DocumentNotFoundError,
  ImageTooLargeError,
  ImageTooSmallError,
  InvalidImageError,
  isFlagged,
  readDocument,
  type DocumentEngines,
  type DocumentResult,
} from "../../../../node/src/ekyc/document/index.ts";
import { FRONT_QR } from "../../../../node/src/ekyc/document/layout.ts";
import { parsePrintedIssueDate } from "../../../../node/src/ekyc/document/ocr/back.ts";
import { capture } from "../../../../scripts/cards/capture.ts";
import { generateCard, type Degradation, type GeneratedCard, type Tamper } from "../../../../scripts/cards/generate.ts";
import { makePerson, qrPayload } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { portraitPng, renderBack, renderFront } from "../../../../scripts/cards/render.ts";

const NOW = new Date("2026-01-15T00:00:00Z");
const SEED = 77;
const HONEST: Array<[Degradation, "mild" | "strong" | undefined]> = [
  ["clean", undefined],
  ["clean", undefined],
  ["clean", undefined],
  ["rotate", "mild"],
  ["rotate", "strong"],
  ["perspective", "mild"],
  ["jpeg", "mild"],
  ["noise", "mild"],
  ["glare", "mild"],
  ["lowres", "mild"],
  ["blur", "mild"],
];
const TAMPERED: Array<[Tamper, string]> = [
  ["edited-text", "QR_PRINT_MISMATCH"],
  ["mrz-check-digit", "MRZ_CHECK_DIGIT_FAILED"],
  ["qr-mismatch", "QR_MRZ_MISMATCH"],
  ["exif-editor", "EDITING_SOFTWARE"],
  ["swapped-portrait", "PORTRAIT_GHOST_MISMATCH"],
];

const bytes = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(path));
const codes = (r: DocumentResult): string[] => r.signals.map((s) => s.code);

/** A PNG whose header claims width × height, with a tiny (invalid-for-that-size) body. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(64))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("readDocument on generated CCCD cards", function () {
  this.timeout(240_000);
  let dir: string;
  let engines: DocumentEngines;
  const honest: Array<{ card: GeneratedCard; result: DocumentResult }> = [];
  const tampered = new Map<Tamper, { card: GeneratedCard; result: DocumentResult }>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-doc-test-"));
    engines = await createDocumentEngines();
    let index = 0;
    for (const [degradation, severity] of HONEST) {
      const card = await generateCard(dir, index++, SEED, degradation, null, severity);
      honest.push({
        card,
        result: await readDocument(
          { front: await bytes(card.frontPath), back: await bytes(card.backPath) },
          { engines, now: NOW },
        ),
      });
    }
    for (const [tamper] of TAMPERED) {
      const card = await generateCard(dir, index++, SEED, "clean", tamper);
      tampered.set(tamper, {
        card,
        result: await readDocument(
          { front: await bytes(card.frontPath), back: await bytes(card.backPath) },
          { engines, now: NOW },
        ),
      });
    }
  });

  after(async () => {
    await engines?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe("on honest cards (clean and mildly degraded)", () => {
    it("reads every QR field exactly", () => {
      for (const { card, result } of honest) {
        const p = card.person;
        expect(result.fields.idNumber.readings.qr, card.id).to.equal(p.idNumber);
        expect(result.fields.oldIdNumber.readings.qr, card.id).to.equal(p.oldIdNumber);
        expect(result.fields.fullName.readings.qr, card.id).to.equal(p.fullName);
        expect(result.fields.dateOfBirth.readings.qr, card.id).to.equal(p.dateOfBirth);
        expect(result.fields.sex.readings.qr, card.id).to.equal(p.sex);
        expect(result.fields.address.readings.qr, card.id).to.equal(p.address);
        expect(result.fields.issueDate.readings.qr, card.id).to.equal(p.issueDate);
      }
    });
    it("reads every MRZ field exactly, with valid check digits", () => {
      for (const { card, result } of honest) {
        const p = card.person;
        expect(result.evidence.mrzLines, card.id).to.not.equal(null);
        expect(result.fields.idNumber.readings.mrz, card.id).to.equal(p.idNumber);
        expect(result.fields.dateOfBirth.readings.mrz, card.id).to.equal(p.dateOfBirth);
        expect(result.fields.expiryDate.readings.mrz, card.id).to.equal(p.expiryDate);
        expect(result.fields.sex.readings.mrz, card.id).to.equal(p.sex);
        expect(result.fields.nationality.readings.mrz, card.id).to.equal("VNM");
        expect(codes(result), card.id).to.not.include("MRZ_CHECK_DIGIT_FAILED");
      }
    });
    it("reads the back's printed issue date on clean cards, and never a wrong one on mildly degraded cards", () => {
      const read = honest.filter(({ result }) => result.fields.issueDate.readings.ocr !== undefined);
      for (const { card, result } of honest) {
        const printed = result.fields.issueDate.readings.ocr;
        // Unread is allowed under degradation (the back has no QR to anchor on); a wrong date never.
        if (card.degradation === "clean" || printed !== undefined) {
          expect(printed, `${card.id} ${card.degradation}`).to.equal(card.person.issueDate);
          expect(result.fields.issueDate.agreement, card.id).to.equal("agree");
        }
        expect(result.evidence.ocrLines.backIssueDate, card.id).to.be.a("string");
      }
      expect(read.length, read.map((r) => r.card.id).join(",")).to.be.at.least(honest.length - 2);
    });
    it("reads at least 90 % of the printed fields exactly on clean cards", () => {
      let exact = 0,
        total = 0;
      for (const { card, result } of honest.filter((h) => h.card.degradation === "clean")) {
        const p = card.person;
        const want = {
          idNumber: p.idNumber,
          fullName: p.fullName,
          dateOfBirth: p.dateOfBirth,
          sex: p.sex,
          nationality: "VNM",
          address: p.address,
          expiryDate: p.expiryDate,
        };
        for (const [field, value] of Object.entries(want)) {
          total++;
          if (result.fields[field as keyof typeof want].readings.ocr === value) exact++;
        }
      }
      expect(exact / total).to.be.at.least(0.9);
    });
    it("returns canonical values (protocol §2) with the preferred source", () => {
      for (const { card, result } of honest) {
        const f = result.fields;
        expect(result.documentType).to.equal("CCCD_CHIP");
        expect(f.idNumber.value).to.match(/^\d{12}$/);
        expect(f.idNumber.source).to.equal("qr");
        expect(f.dateOfBirth.value).to.match(/^\d{4}-\d{2}-\d{2}$/);
        expect(f.issueDate.value).to.match(/^\d{4}-\d{2}-\d{2}$/);
        expect(f.sex.value).to.be.oneOf(["M", "F"]);
        expect(f.nationality.value).to.equal("VNM");
        expect(f.fullName.value).to.equal(f.fullName.value.normalize("NFC").toLocaleUpperCase("vi"));
        expect(f.fullName.value).to.equal(card.person.fullName);
        expect(f.idNumber.agreement, card.id).to.equal("agree");
      }
    });
    it("does not flag clean cards for review", () => {
      for (const { card, result } of honest.filter((h) => h.card.degradation === "clean"))
        expect(isFlagged(result), `${card.id}: ${JSON.stringify(result.signals)}`).to.equal(false);
    });
    it("reports age and expiry against the given date", () => {
      for (const { card, result } of honest) {
        expect(result.checks.ageYears).to.be.a("number");
        expect(result.checks.expired).to.equal(card.person.expiryDate !== "" && card.person.expiryDate < "2026-01-15");
        if (result.checks.expired) expect(codes(result)).to.include("DOCUMENT_EXPIRED");
      }
    });
    it("reports timings for each stage", () => {
      const t = honest[0]!.result.timings;
      for (const k of ["decodeMs", "qrMs", "mrzMs", "ocrMs", "tamperMs", "totalMs"] as const)
        expect(t[k]).to.be.a("number").and.at.least(0);
      expect(t.totalMs).to.be.at.least(t.mrzMs);
    });
  });

  describe("on tampered cards", () => {
    for (const [tamper, code] of TAMPERED) {
      it(`flags ${tamper} with ${code}`, () => {
        const { card, result } = tampered.get(tamper)!;
        expect(codes(result), `${card.id} ${card.tamperDetail}`).to.include(code);
        expect(isFlagged(result)).to.equal(true);
        const signal = result.signals.find((s) => s.code === code)!;
        expect(signal.score).to.be.within(0.5, 1);
        expect(signal.reason).to.be.a("string").and.not.empty;
      });
    }
    it("reports the QR-vs-print disagreement field by field for an edited card", () => {
      const { result } = tampered.get("edited-text")!;
      expect(result.disagreements.length).to.be.at.least(1);
      expect(result.disagreements.some((d) => d.readings.qr !== undefined && d.readings.ocr !== undefined)).to.equal(
        true,
      );
    });
  });

  describe("the back's printed issue date", () => {
    it("disagrees with the QR when the back prints another date, and the QR's stays the value", async () => {
      const rng = createRng(903);
      const person = makePerson(rng);
      const portrait = await portraitPng(rng);
      const [y, m, d] = person.issueDate.split("-");
      const printed = `${d}/${m}/${Number(y) + 1}`;
      const result = await readDocument(
        {
          front: await capture(await renderFront(person, portrait.png, qrPayload(person)), rng),
          back: await capture(await renderBack(person, undefined, printed), rng),
        },
        { engines, now: NOW },
      );
      expect(result.fields.issueDate.readings).to.deep.equal({
        qr: person.issueDate,
        ocr: `${Number(y) + 1}-${m}-${d}`,
      });
      expect(result.fields.issueDate).to.include({ agreement: "disagree", value: person.issueDate, source: "qr" });
      expect(result.disagreements.map((x) => x.field)).to.include("issueDate");
    });
    it("takes a printed date only in its full DD/MM/YYYY form: a digit cut at the edge is unread, not wrong", () => {
      expect(parsePrintedIssueDate("15/09/2021")).to.equal("2021-09-15");
      expect(parsePrintedIssueDate(": I5/O9/2021")).to.equal("2021-09-15");
      expect(parsePrintedIssueDate("1/10/2024")).to.equal(null);
      expect(parsePrintedIssueDate("31/02/2021")).to.equal(null);
      expect(parsePrintedIssueDate("31/10/20241")).to.equal(null);
      expect(parsePrintedIssueDate("")).to.equal(null);
    });
  });

  describe("bad input", () => {
    const front = () => bytes(honest[0]!.card.frontPath);

    it("rejects bytes that are not an image with InvalidImageError", async () => {
      const error = await readDocument({ front: new TextEncoder().encode("definitely not a JPEG") }, { engines }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InvalidImageError);
      expect((error as InvalidImageError).code).to.equal("DOCUMENT_IMAGE_INVALID");
    });
    it("rejects empty input", async () => {
      expect(await readDocument({ front: new Uint8Array(0) }, { engines }).catch((e: unknown) => e)).to.be.instanceOf(
        InvalidImageError,
      );
    });
    it("rejects a truncated JPEG with InvalidImageError", async () => {
      const full = await front();
      const error = await readDocument({ front: full.subarray(0, Math.floor(full.length / 2)) }, { engines }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InvalidImageError);
    });
    it("rejects a 100-megapixel image from its header, before decoding", async () => {
      const started = performance.now();
      const error = await readDocument({ front: pngHeader(10_000, 10_000) }, { engines }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ImageTooLargeError);
      expect((error as ImageTooLargeError).details).to.include({ what: "pixels", actual: 100_000_000 });
      expect(performance.now() - started).to.be.below(3000); // header only: milliseconds, with headroom for a loaded CI machine
    });
    it("rejects input over the byte limit without reading it as an image", async () => {
      const error = await readDocument(
        { front: await front() },
        { engines, limits: { maxBytes: 1000, maxPixels: 40_000_000, workingLongSide: 1600 } },
      ).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ImageTooLargeError);
      expect((error as ImageTooLargeError).details).to.include({ what: "bytes" });
    });
    it("rejects an image too small to hold a card", async () => {
      const tiny = await sharp({ create: { width: 64, height: 40, channels: 3, background: "#fff" } })
        .png()
        .toBuffer();
      expect(await readDocument({ front: tiny }, { engines }).catch((e: unknown) => e)).to.be.instanceOf(
        ImageTooSmallError,
      );
    });
    it("throws DocumentNotFoundError for a photo with no card", async () => {
      const noise = Buffer.alloc(800 * 600 * 3);
      const rng = createRng(5);
      for (let i = 0; i < noise.length; i++) noise[i] = rng.int(60, 140);
      const photo = await sharp(noise, { raw: { width: 800, height: 600, channels: 3 } })
        .jpeg()
        .toBuffer();
      const error = await readDocument({ front: photo, back: photo }, { engines }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DocumentNotFoundError);
      expect((error as DocumentNotFoundError).code).to.equal("DOCUMENT_NOT_FOUND");
    });
    it("reports QR_UNREADABLE and still reads the MRZ when the QR is covered", async () => {
      const rng = createRng(901);
      const person = makePerson(rng);
      const portrait = await portraitPng(rng);
      const cover = await sharp({ create: { width: 230, height: 230, channels: 3, background: "#f2f2f2" } })
        .png()
        .toBuffer();
      const card = await sharp(await renderFront(person, portrait.png, qrPayload(person)))
        .composite([{ input: cover, left: FRONT_QR.x - 15, top: FRONT_QR.y - 10 }])
        .png()
        .toBuffer();
      const result = await readDocument(
        { front: await capture(card, rng), back: await capture(await renderBack(person), rng) },
        { engines, now: NOW },
      );
      expect(codes(result)).to.include("QR_UNREADABLE");
      expect(result.evidence.qrText).to.equal(null);
      expect(result.fields.idNumber.value).to.equal(person.idNumber);
      expect(result.fields.idNumber.source).to.equal("mrz");
    });
    it("reports QR_PAYLOAD_INVALID for a QR whose payload is malformed", async () => {
      const rng = createRng(902);
      const person = makePerson(rng);
      const portrait = await portraitPng(rng);
      const front = await capture(await renderFront(person, portrait.png, "hello|world|not a CCCD"), rng);
      const result = await readDocument(
        { front, back: await capture(await renderBack(person), rng) },
        { engines, now: NOW },
      );
      expect(codes(result)).to.include("QR_PAYLOAD_INVALID");
      expect(result.evidence.qrText).to.equal("hello|world|not a CCCD");
      expect(result.fields.fullName.source).to.not.equal("qr");
    });
  });

  describe("kycnet doc read", () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          "./bin/kycnet",
          ["doc", "read", ...args],
          { cwd: process.cwd(), timeout: 120_000 },
          (error, stdout, stderr) => {
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 3, stdout, stderr });
          },
        );
      });
    it("prints the document result as JSON", async () => {
      const { card } = honest[0]!;
      const { stdout } = await run([card.frontPath, card.backPath, "--json", "--now", "2026-01-15"]);
      const result = JSON.parse(stdout) as DocumentResult;
      expect(result.fields.idNumber).to.include({ value: card.person.idNumber, source: "qr" });
      expect(result.timings.totalMs).to.be.a("number");
    });
    it("exits 2 with the error code for a file that is not an image", async () => {
      const bogus = join(dir, "not-an-image.jpg");
      await writeFile(bogus, "nope");
      const { code, stderr } = await run([bogus, "--json"]);
      expect(code).to.equal(2);
      expect(stderr).to.match(/DOCUMENT_IMAGE_INVALID/);
    });
  });
});
