/**
 * The ghost-image check (tamper.ts `compareGhost` / `portraitGhostSignal`): the correlation itself
 * on synthetic arrays and drawn card frames, then real generated card photos read through QR
 * decode + QR-anchored rectification, as readDocument does.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_IMAGE_LIMITS, loadImage } from "../../../../node/src/ekyc/document/image.ts";
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  FRONT_FIELD_BOXES,
  FRONT_GHOST,
  FRONT_PORTRAIT,
} from "../../../../node/src/ekyc/document/layout.ts";
import type { GrayImage } from "../../../../node/src/ekyc/document/ocr/gray.ts";
import { cropLine, FRONT_READ_REGIONS, RETRY_SHIFTS } from "../../../../node/src/ekyc/document/ocr/front.ts";
import { frontFrame, rectifyCard, warpFront } from "../../../../node/src/ekyc/document/ocr/rectify.ts";
import { decodeQr } from "../../../../node/src/ekyc/document/qr/decode.ts";
import {
  compareGhost,
  ghostReadRegions,
  GHOST_SIMILARITY_THRESHOLD,
  normalisedCrossCorrelation,
  portraitGhostSignal,
} from "../../../../node/src/ekyc/document/ghost.ts";
import type { Signal } from "../../../../node/src/ekyc/document/types.ts";
import { capture } from "../../../../scripts/cards/capture.ts";
import { generateCard, type Degradation, type Tamper } from "../../../../scripts/cards/generate.ts";
import { makePerson, qrPayload } from "../../../../scripts/cards/people.ts";
import { createRng } from "../../../../scripts/cards/random.ts";
import { GHOST_STRENGTH, portraitPng, renderFront } from "../../../../scripts/cards/render.ts";
import { expectNear } from "../../../support/near.ts";

/** A face-sized texture: a few sinusoids at eye/mouth scale, defined on the unit square. */
function texture(seed: number): (x: number, y: number) => number {
  const rng = createRng(seed);
  const waves = Array.from({ length: 6 }, () => ({
    fx: 3 + rng.next() * 6,
    fy: 3 + rng.next() * 6,
    phase: rng.next() * 6.28,
    amp: 15 + rng.next() * 20,
  }));
  return (x, y) => 128 + waves.reduce((s, w) => s + w.amp * Math.sin(6.283 * (w.fx * x + w.fy * y) + w.phase), 0) / 1.2;
}

/** A rectified card frame: light background, `main` drawn as the portrait, `ghost` faint in the ghost box (or nothing / a flat patch). */
function drawnCard(
  main: (x: number, y: number) => number,
  ghost: ((x: number, y: number) => number) | "none" | number,
): GrayImage {
  const data = new Uint8Array(CARD_WIDTH * CARD_HEIGHT).fill(240);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < FRONT_PORTRAIT.height; y++) {
    for (let x = 0; x < FRONT_PORTRAIT.width; x++)
      data[(FRONT_PORTRAIT.y + y) * CARD_WIDTH + FRONT_PORTRAIT.x + x] = clamp(
        main((x + 0.5) / FRONT_PORTRAIT.width, (y + 0.5) / FRONT_PORTRAIT.height),
      );
  }
  if (ghost !== "none") {
    for (let y = 0; y < FRONT_GHOST.height; y++) {
      for (let x = 0; x < FRONT_GHOST.width; x++) {
        const v =
          typeof ghost === "number"
            ? ghost
            : 255 - GHOST_STRENGTH * (255 - ghost((x + 0.5) / FRONT_GHOST.width, (y + 0.5) / FRONT_GHOST.height));
        data[(FRONT_GHOST.y + y) * CARD_WIDTH + FRONT_GHOST.x + x] = clamp(v);
      }
    }
  }
  return { data, width: CARD_WIDTH, height: CARD_HEIGHT };
}

describe("portrait ghost-image check", function () {
  this.timeout(120_000);

  describe("normalisedCrossCorrelation", () => {
    it("is 1 for the same picture, whatever its brightness and contrast (a faint ghost)", () => {
      const a = Array.from({ length: 500 }, (_, i) => Math.sin(i / 7) * 50 + 100);
      expectNear(normalisedCrossCorrelation(a, a), 1, 1e-9);
      expectNear(
        normalisedCrossCorrelation(
          a,
          a.map((v) => 255 - 0.35 * (255 - v)),
        ),
        1,
        1e-9,
      );
      expectNear(
        normalisedCrossCorrelation(
          a,
          a.map((v) => 255 - v),
        ),
        -1,
        1e-9,
      );
    });

    it("is near 0 for unrelated pictures", () => {
      const rng = createRng(5);
      const a = Array.from({ length: 2000 }, () => rng.next());
      const b = Array.from({ length: 2000 }, () => rng.next());
      expect(Math.abs(normalisedCrossCorrelation(a, b))).to.be.below(0.1);
    });

    it("is 0, not NaN, for a constant or empty sample", () => {
      const a = Array.from({ length: 100 }, (_, i) => i);
      expect(normalisedCrossCorrelation(a, new Array(100).fill(240))).to.equal(0);
      expect(normalisedCrossCorrelation(new Float64Array(100), new Float64Array(100))).to.equal(0);
      expect(normalisedCrossCorrelation([], [])).to.equal(0);
    });
  });

  describe("compareGhost / portraitGhostSignal on drawn card frames", () => {
    it("matches a faint copy of the portrait", () => {
      const face = texture(1);
      const comparison = compareGhost(drawnCard(face, face));
      expect(comparison.similarity).to.be.above(0.9);
      expect(portraitGhostSignal(drawnCard(face, face))).to.equal(null);
    });

    it("flags a ghost of another picture", () => {
      const card = drawnCard(texture(1), texture(2));
      expect(compareGhost(card).similarity).to.be.below(GHOST_SIMILARITY_THRESHOLD);
      const signal = portraitGhostSignal(card) as Signal;
      expect(signal.code).to.equal("PORTRAIT_GHOST_MISMATCH");
      expect(signal.score).to.be.at.least(0.5);
      expect(signal.reason).to.match(
        new RegExp(
          `does not show the main portrait \\(similarity -?\\d\\.\\d\\d, genuine cards ≥ ${GHOST_SIMILARITY_THRESHOLD}\\)`,
        ),
      );
    });

    it("flags a card with no ghost at all (plain background where the ghost belongs)", () => {
      const signal = portraitGhostSignal(drawnCard(texture(1), "none")) as Signal;
      expect(signal.code).to.equal("PORTRAIT_GHOST_MISMATCH");
      expect(signal.score).to.be.at.least(0.5);
      expect(signal.reason).to.match(/no ghost image/);
      expect(Number.isFinite(compareGhost(drawnCard(texture(1), "none")).similarity)).to.equal(true);
    });

    it("reports a ghost washed out by glare below the review threshold (cannot compare, not evidence)", () => {
      const signal = portraitGhostSignal(drawnCard(texture(1), 254)) as Signal;
      expect(signal.code).to.equal("PORTRAIT_GHOST_MISMATCH");
      expect(signal.score).to.be.below(0.5);
      expect(signal.reason).to.match(/washed out/);
    });

    it("handles a blank card frame without NaN and returns nothing without a QR-anchored card", () => {
      const blank: GrayImage = {
        data: new Uint8Array(CARD_WIDTH * CARD_HEIGHT).fill(200),
        width: CARD_WIDTH,
        height: CARD_HEIGHT,
      };
      const comparison = compareGhost(blank);
      expect(comparison.similarity).to.equal(0);
      expect((portraitGhostSignal(blank) as Signal).score).to.be.at.least(0.5);
      expect(portraitGhostSignal(null)).to.equal(null);
    });
  });

  describe("on generated card photos (QR decode + rectification + check)", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "kycnet-ghost-test-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const check = async (photo: Uint8Array): Promise<Signal | null> => {
      const loaded = await loadImage("front", photo, DEFAULT_IMAGE_LIMITS);
      const img = { data: loaded.gray, width: loaded.width, height: loaded.height };
      const qr = decodeQr(img.data, img.width, img.height);
      const rectified = rectifyCard(img, qr);
      expect(rectified.anchor).to.equal("qr");
      expectReadRegionsSuffice(img, qr, rectified.card);
      return portraitGhostSignal(rectified.card);
    };
    /**
     * readDocument warps only the parts of the card that are read (the lines with their retry
     * shifts, then the ghost's and the portrait's reach): each reader must see there what it sees on
     * the whole frame, the ghost's fit (which roams up to its bounds on a swapped portrait) included.
     * The rest is black here (white in readDocument), so that a pixel read outside them shows.
     */
    const expectReadRegionsSuffice = (img: GrayImage, qr: ReturnType<typeof decodeQr>, whole: GrayImage): void => {
      const frame = frontFrame(img, qr);
      const black = { data: new Uint8Array(CARD_WIDTH * CARD_HEIGHT), width: CARD_WIDTH, height: CARD_HEIGHT };
      const lines = warpFront(img, frame, FRONT_READ_REGIONS, black);
      for (const box of Object.values(FRONT_FIELD_BOXES))
        for (const dy of [0, ...RETRY_SHIFTS])
          expect(
            cropLine(lines, { ...box, y: box.y + dy }).equals(cropLine(whole, { ...box, y: box.y + dy })),
          ).to.equal(true);
      expect(compareGhost(warpFront(img, frame, ghostReadRegions(), lines))).to.deep.equal(compareGhost(whole));
    };
    const cases: Array<[Degradation, "mild" | undefined, Tamper | null]> = [
      ["clean", undefined, null],
      ["rotate", "mild", null],
      ["perspective", "mild", null],
      ["jpeg", "mild", null],
      ["blur", "mild", null],
      ["noise", "mild", null],
      ["glare", "mild", null],
      ["lowres", "mild", null],
      ["clean", undefined, "swapped-portrait"],
      ["rotate", "mild", "swapped-portrait"],
      ["noise", "mild", "swapped-portrait"],
    ];
    cases.forEach(([degradation, severity, tamper], index) => {
      const what = `${tamper ?? "genuine"} card, ${degradation}${severity === undefined ? "" : ` (${severity})`}`;
      it(`${tamper === null ? "passes" : "flags"} a ${what}`, async () => {
        const card = await generateCard(dir, index, 91, degradation, tamper, severity);
        const signal = await check(new Uint8Array(await readFile(card.frontPath)));
        if (tamper === null) expect(signal, JSON.stringify(signal)).to.equal(null);
        else {
          expect(signal?.code, card.tamperDetail).to.equal("PORTRAIT_GHOST_MISMATCH");
          expect(signal?.score).to.be.at.least(0.5);
        }
      });
    });

    it("flags a card photographed without its ghost image", async () => {
      const rng = createRng(404);
      const person = makePerson(rng);
      const front = await renderFront(person, (await portraitPng(rng)).png, qrPayload(person), {}, null);
      const signal = await check(new Uint8Array(await capture(front, rng, { jpegQuality: 90 })));
      expect(signal?.code).to.equal("PORTRAIT_GHOST_MISMATCH");
      expect(signal?.score).to.be.at.least(0.5);
      expect(signal?.reason).to.match(/no ghost image/);
    });
  });
});
