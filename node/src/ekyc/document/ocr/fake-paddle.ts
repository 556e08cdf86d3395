/**
 * A scripted `PaddleOcr` for fast tests of the readers above it: the page is a list of text lines
 * with their boxes, detection returns the boxes and recognition spells the line's text as CTC
 * frames (each character over two frames, then a blank, with some probability left for every
 * other symbol). `confusions` lets a test make the "model" hesitate at one character, as the real
 * recogniser does before a `<`.
 */
import type { CtcFrames } from "./ctc.ts";
import type { LineReadOptions, PaddleOcr } from "./paddle.ts";
import type { GrayImage } from "./gray.ts";
import type { TextBox } from "./text-boxes.ts";

export interface ScriptedLine {
  box: TextBox;
  text: string;
  /** The text runs against the box's direction (a card photographed upside down). */
  upsideDown?: boolean;
  /** Character index → the symbol the model prefers there, "" for the blank (the character is dropped); the true one stays second best. */
  confusions?: Record<number, string>;
  /** Like `confusions`, but only when the line is read squeezed (widthScale < 1): what a narrower crop misreads. */
  squeezedConfusions?: Record<number, string>;
  /** Like `confusions`, but only in a crop thicker than the line's box: what a second, taller crop misreads. */
  thickerConfusions?: Record<number, string>;
  /** Like `confusions`, but only in a crop no thicker than the line's box: what a taller crop reads right. */
  ownCropConfusions?: Record<number, string>;
  /**
   * Like `confusions`, but only in a crop more than 1.25 × as thick as the line's box (the MRZ
   * reader's thickest crop of small rows): what one crop of three misreads. `thickerConfusions` at
   * the same index comes first.
   */
  thickestConfusions?: Record<number, string>;
}

export function createFakePaddleOcr(
  page: readonly ScriptedLine[],
): PaddleOcr & { reads: number; widthScales: number[] } {
  const fake = {
    /** Lines recognised so far, and the width scale asked for each. */
    reads: 0,
    widthScales: [] as number[],
    async findLines(_image: GrayImage, _longSide: number): Promise<TextBox[]> {
      // Like the real detector: boxes point rightwards whichever way the text runs.
      return page.map((l) => (l.box.ux < 0 ? { ...l.box, ux: -l.box.ux, uy: -l.box.uy } : { ...l.box }));
    },
    async readLines(
      _image: GrayImage,
      boxes: readonly TextBox[],
      alphabet: string,
      options: LineReadOptions = {},
    ): Promise<CtcFrames[]> {
      fake.reads += boxes.length;
      const scales = boxes.map((_, n) => options.widthScales?.[n] ?? 1);
      fake.widthScales.push(...scales);
      return boxes.map((box, n) => spell(box, alphabet, scales[n] as number));
    },
  };
  function spell(box: TextBox, alphabet: string, widthScale: number): CtcFrames {
    const line = page.find((l) => Math.hypot(l.box.cx - box.cx, l.box.cy - box.cy) < 1);
    if (line === undefined) return { alphabet, frames: 0, logProbs: new Float32Array(0) };
    // Read upside down (box turned by 180°), the text comes out reversed.
    const forward = line.box.ux * box.ux + line.box.uy * box.uy > 0 !== (line.upsideDown === true);
    const chars = [...line.text];
    const order = forward ? chars.map((c, i) => ({ c, i })) : chars.map((c, i) => ({ c, i })).reverse();
    const S = alphabet.length + 1;
    const rows: number[][] = [];
    const frame = (best: number, second?: number): number[] => {
      const p = Array.from({ length: S }, () => 0.01);
      p[best] = 0.8;
      if (second !== undefined) p[second] = 0.3;
      return p;
    };
    for (const { c, i } of order) {
      const symbol = alphabet.indexOf(c) + 1;
      const preferred =
        line.confusions?.[i] ??
        (widthScale < 1 ? line.squeezedConfusions?.[i] : undefined) ??
        (box.thickness > line.box.thickness ? line.thickerConfusions?.[i] : line.ownCropConfusions?.[i]) ??
        (box.thickness > 1.25 * line.box.thickness ? line.thickestConfusions?.[i] : undefined);
      const top = preferred === undefined ? symbol : preferred === "" ? 0 : alphabet.indexOf(preferred) + 1;
      const second = preferred === undefined ? undefined : symbol;
      rows.push(frame(top, second), frame(top, second), frame(0));
    }
    const logProbs = new Float32Array(rows.length * S);
    rows.forEach((p, t) => {
      const total = p.reduce((a, b) => a + b, 0);
      p.forEach((v, k) => {
        logProbs[t * S + k] = Math.log(v / total);
      });
    });
    return { alphabet, frames: rows.length, logProbs };
  }
  return fake;
}
