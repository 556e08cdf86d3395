import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { FRONT_GHOST } from "../../../../node/src/ekyc/document/layout.ts";
import { decodeQr } from "../../../../node/src/ekyc/document/qr/decode.ts";
import { generateCardSet, PHONE_DEGRADATIONS, TAMPERS } from "../../../../scripts/cards/generate.ts";
import { PAGE_HEIGHT, PAGE_WIDTH } from "../../../../scripts/cards/passport.ts";
import { generatePassportSet, PASSPORT_CAPTURES } from "../../../../scripts/cards/passport-set.ts";
import { defocusKernel, motionKernel, tiltedCorners } from "../../../../scripts/cards/phone.ts";
import { checkDigit, mrzName, td1Lines } from "../../../../scripts/cards/mrz.ts";
import { makePerson, qrPayload } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { portraitPng, renderFront } from "../../../../scripts/cards/render.ts";

describe("synthetic card generator", function () {
  this.timeout(60_000);

  it("is deterministic per seed and varies across seeds", () => {
    expect(makePerson(createRng(42))).to.deep.equal(makePerson(createRng(42)));
    expect(makePerson(createRng(42))).to.not.deep.equal(makePerson(createRng(43)));
  });

  it("makes people whose data follow the card rules", () => {
    for (let i = 0; i < 50; i++) {
      const p = makePerson(createRng(i));
      expect(p.idNumber).to.match(/^\d{12}$/);
      expect(p.idNumber.slice(4, 6)).to.equal(p.dateOfBirth.slice(2, 4));
      expect(Number(p.idNumber[3]) % 2 === 1 ? "F" : "M").to.equal(p.sex);
      expect(p.oldIdNumber).to.match(/^(\d{9})?$/);
      expect(p.fullName).to.equal(p.fullName.normalize("NFC").toLocaleUpperCase("vi"));
      expect(p.issueDate >= p.dateOfBirth).to.equal(true);
      expect(qrPayload(p).split("|")).to.have.length(7);
      const lines = td1Lines(p);
      expect(lines.every((l) => l.length === 30 && /^[A-Z0-9<]+$/.test(l))).to.equal(true);
    }
  });

  it("folds Vietnamese names for the MRZ (Đ → D, marks dropped)", () => {
    expect(mrzName("ĐẶNG THỊ NGỌC ÁNH")).to.equal("DANG<THI<NGOC<ANH");
    expect(checkDigit("740812")).to.equal("2");
  });

  it("renders a front whose QR decodes to the exact payload", async () => {
    const rng = createRng(7);
    const p = makePerson(rng);
    const png = await renderFront(p, (await portraitPng(rng)).png, qrPayload(p));
    const { data, info } = await sharp(png).grayscale().raw().toBuffer({ resolveWithObject: true });
    expect(decodeQr(new Uint8Array(data), info.width, info.height)?.text).to.equal(qrPayload(p));
  });

  it("engraves a light ghost of the given portrait, and none when told there is none", async () => {
    const rng = createRng(8);
    const p = makePerson(rng);
    const portrait = (await portraitPng(rng)).png;
    const ghostStats = async (png: Buffer) => {
      const { data } = await sharp(png)
        .extract({ left: FRONT_GHOST.x, top: FRONT_GHOST.y, width: FRONT_GHOST.width, height: FRONT_GHOST.height })
        .grayscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const mean = data.reduce((s, v) => s + v, 0) / data.length;
      return {
        mean,
        min: Math.min(...data),
        spread: Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length),
      };
    };
    const withGhost = await ghostStats(await renderFront(p, portrait, qrPayload(p)));
    const without = await ghostStats(await renderFront(p, portrait, qrPayload(p), {}, null));
    expect(withGhost.spread).to.be.above(10); // a picture is there
    expect(withGhost.min).to.be.above(110); // light: laser ghosts are faint
    expect(without.spread).to.be.below(5); // only the guilloche
  });

  it("writes the same photos for the same seed, with a manifest and every tamper kind", async () => {
    const dirs = [await mkdtemp(join(tmpdir(), "kycnet-cards-")), await mkdtemp(join(tmpdir(), "kycnet-cards-"))];
    try {
      const [a, b] = await Promise.all(
        dirs.map((dir) => generateCardSet({ dir, count: 10, seed: 3, tamperRate: 0.5 })),
      );
      expect(a!.map((c) => c.person)).to.deep.equal(b!.map((c) => c.person));
      expect(await readFile(a![1]!.frontPath)).to.deep.equal(await readFile(b![1]!.frontPath));
      expect(new Set(a!.map((c) => c.tamper).filter((t) => t !== null))).to.deep.equal(new Set(TAMPERS));
      expect(JSON.parse(await readFile(join(dirs[0]!, "manifest.json"), "utf8"))).to.have.length(10);
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("makes every phone-capture degradation within its range, the same photos for the same seed", async () => {
    const dirs = [await mkdtemp(join(tmpdir(), "kycnet-phone-")), await mkdtemp(join(tmpdir(), "kycnet-phone-"))];
    try {
      const options = { count: PHONE_DEGRADATIONS.length, seed: 9, tamperRate: 0, degradations: PHONE_DEGRADATIONS };
      const [a, b] = await Promise.all(dirs.map((dir) => generateCardSet({ dir, ...options })));
      expect(a!.map((c) => c.degradation)).to.deep.equal([...PHONE_DEGRADATIONS]);
      for (const [i, card] of a!.entries()) {
        expect(await readFile(card.backPath), card.degradation).to.deep.equal(await readFile(b![i]!.backPath));
        expect(card.severity).to.equal("phone");
        expect(card.capture.jpegQuality).to.be.within(50, 90);
        const { width } = await sharp(card.backPath).metadata();
        if (card.degradation === "small") expect(width).to.be.within(300, 800);
        else expect(width).to.equal(1280);
      }
      const option = (kind: (typeof PHONE_DEGRADATIONS)[number]) => a!.find((c) => c.degradation === kind)!.capture;
      expect(Math.abs(option("tilt").tilt!.degrees)).to.be.within(10, 30);
      expect(option("finger").finger).to.be.oneOf(["top", "right", "bottom", "left"]);
      expect(option("glare-spots").glareSpots).to.be.within(2, 6);
      expect(option("low-light").lowLight!.exposure).to.be.within(0.2, 0.5);
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("photographs passport pages plainly and through every phone effect, the same photos for the same seed", async () => {
    const dirs = [
      await mkdtemp(join(tmpdir(), "kycnet-passports-")),
      await mkdtemp(join(tmpdir(), "kycnet-passports-")),
    ];
    try {
      const options = { count: PASSPORT_CAPTURES.length, seed: 9 };
      const [a, b] = await Promise.all(dirs.map((dir) => generatePassportSet({ dir, ...options })));
      expect(a!.map((p) => p.degradation)).to.deep.equal([...PASSPORT_CAPTURES]);
      // The phone photo scales with the document: an ID-1 card's 1280 px photo, as wide against the page.
      const phoneWidth = Math.round((1280 * PAGE_WIDTH) / 1012);
      for (const [i, passport] of a!.entries()) {
        expect(await readFile(passport.path), passport.degradation).to.deep.equal(await readFile(b![i]!.path));
        const { width, height } = await sharp(passport.path).metadata();
        if (passport.degradation === "clean") {
          expect(passport.capture).to.equal(null);
          expect(width).to.be.greaterThan(PAGE_WIDTH); // the page on a margin, not resized
          expect(height).to.be.greaterThan(PAGE_HEIGHT);
          continue;
        }
        expect(passport.capture!.jpegQuality).to.be.within(50, 90);
        if (passport.degradation === "small") expect(width).to.be.within(300, 800);
        else expect(width).to.equal(phoneWidth);
      }
      const option = (kind: (typeof PHONE_DEGRADATIONS)[number]) => a!.find((p) => p.degradation === kind)!.capture!;
      expect(Math.abs(option("tilt").tilt!.degrees)).to.be.within(10, 30);
      expect(option("moire").moire!.strength).to.be.within(0.15, 0.35);
      expect(option("finger").finger).to.be.oneOf(["top", "right", "bottom", "left"]);
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("tilts a card in depth with real perspective: the near side larger, the far side smaller", () => {
    const [tl, tr, br, bl] = tiltedCorners(1000, 600, 30, "y", 2200);
    const left = bl![1] - tl![1],
      right = br![1] - tr![1];
    // Turned by +30° about the vertical axis: the left side comes towards the camera.
    expect(left).to.be.above(600);
    expect(right).to.be.below(600);
    expect(tr![0] - tl![0]).to.be.below(1000); // foreshortened
    const flat = tiltedCorners(1000, 600, 0, "x", 2200);
    expect(flat).to.deep.equal([
      [-500, -300],
      [500, -300],
      [500, 300],
      [-500, 300],
    ]);
  });

  it("blurs with kernels of the asked length and radius", () => {
    const line = motionKernel(7, 0);
    const c = (line.width - 1) / 2;
    const row = line.kernel.slice(c * line.width, (c + 1) * line.width);
    expect(row.filter((w) => w > 0)).to.have.length(7); // 7 px along the motion, on the centre row
    expect(line.scale).to.equal(7);
    const disc = defocusKernel(2);
    expect(disc.width).to.equal(5);
    expect(disc.kernel[0]).to.equal(0); // corners outside the disc
    expect(disc.kernel[12]).to.equal(1); // the centre
  });
});
