/**
 * Perspective from the card's edges (ocr/card-edges.ts): the homography algebra, and edge finding
 * on a drawn card photographed at a tilt, starting from a deliberately wrong affine guess.
 */
import { expect } from "chai";
import {
  applyHomography,
  homographyFrom,
  homographyFromEdges,
  type Homography,
} from "../../../../node/src/ekyc/document/ocr/card-edges.ts";
import { CARD_HEIGHT, CARD_WIDTH } from "../../../../node/src/ekyc/document/layout.ts";
import { expectNear } from "../../../support/near.ts";

type Point = [number, number];
const CARD: Point[] = [
  [0, 0],
  [CARD_WIDTH, 0],
  [CARD_WIDTH, CARD_HEIGHT],
  [0, CARD_HEIGHT],
];

/** A 1280 × 860 photo: dark table, and the card (bright, with some dark "text") where `h` puts it. */
function photo(h: Homography): { data: Uint8Array; width: number; height: number } {
  const width = 1280,
    height = 860;
  const data = new Uint8Array(width * height).fill(70);
  const inverse = homographyFrom(
    CARD.map(([u, v]) => applyHomography(h, u, v)),
    CARD,
  )!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = applyHomography(inverse, x, y);
      if (u < 0 || v < 0 || u > CARD_WIDTH || v > CARD_HEIGHT) continue;
      const text = v > 200 && v < 560 && u > 300 && Math.floor(v / 40) % 2 === 0 && Math.floor(u / 9) % 3 === 0;
      data[y * width + x] = text ? 30 : 235;
    }
  }
  return { data, width, height };
}

describe("card edges and perspective", () => {
  it("solves the homography through four point pairs", () => {
    const photoCorners: Point[] = [
      [100, 80],
      [1150, 120],
      [1100, 780],
      [140, 720],
    ];
    const h = homographyFrom(CARD, photoCorners)!;
    CARD.forEach(([u, v], i) => {
      const [x, y] = applyHomography(h, u, v);
      expectNear(x, photoCorners[i]![0], 1e-6);
      expectNear(y, photoCorners[i]![1], 1e-6);
    });
  });
  it("refuses four points on one line", () => {
    expect(
      homographyFrom(CARD, [
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    ).to.equal(null);
  });
  it("finds a tilted card's corners from an affine guess that is 25 px off at the far corner", () => {
    const truth = homographyFrom(CARD, [
      [130, 90],
      [1160, 110],
      [1130, 790],
      [110, 740],
    ])!;
    // The guess: exact at the top-right (the QR's corner), drifting away from it.
    const guess = (u: number, v: number): Point => {
      const [x, y] = applyHomography(truth, u, v);
      const drift = (1 - u / CARD_WIDTH + v / CARD_HEIGHT) / 2;
      return [x + 25 * drift, y - 20 * drift];
    };
    const found = homographyFromEdges(photo(truth), guess);
    expect(found).to.not.equal(null);
    for (const [u, v] of CARD) {
      const [x, y] = applyHomography(found!, u, v);
      const [tx, ty] = applyHomography(truth, u, v);
      expect(Math.hypot(x - tx, y - ty), `corner ${u},${v}`).to.be.below(2);
    }
  });
  it("gives up (null) when there is no card edge to find", () => {
    const flat = { data: new Uint8Array(1280 * 860).fill(200), width: 1280, height: 860 };
    const truth = homographyFrom(CARD, [
      [130, 90],
      [1160, 110],
      [1130, 790],
      [110, 740],
    ])!;
    expect(homographyFromEdges(flat, (u, v) => applyHomography(truth, u, v))).to.equal(null);
  });
});
