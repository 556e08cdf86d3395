/**
 * Geometry of the chip CCCD (2021 design) in a canonical card frame of 1012 × 638 px
 * (ID-1, 85.6 × 54 mm at ≈ 300 dpi). The reader rectifies a photo onto this frame (anchored on
 * the QR finder patterns) and then reads each printed field from its known line box. The
 * synthetic card generator (scripts/cards) draws cards with the same geometry.
 */
export const CARD_WIDTH = 1012;
export const CARD_HEIGHT = 638;

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The QR on the front: top-left corner and side of the symbol (no quiet zone), version 10. */
export const FRONT_QR = { x: 790, y: 24, modules: 57, moduleSize: 3.5 } as const;

/** Centres of the three finder patterns in card coordinates (3.5 modules in from the corners). */
export function qrFinderCentres(): {
  topLeft: [number, number];
  topRight: [number, number];
  bottomLeft: [number, number];
} {
  const { x, y, modules, moduleSize } = FRONT_QR;
  const near = 3.5 * moduleSize;
  const far = (modules - 3.5) * moduleSize;
  return { topLeft: [x + near, y + near], topRight: [x + far, y + near], bottomLeft: [x + near, y + far] };
}

export const FRONT_PORTRAIT: Box = { x: 40, y: 200, width: 225, height: 300 };

/**
 * The ghost image (ảnh mờ): a small, faint laser-engraved copy of the holder's portrait, same 3:4
 * aspect. It sits right of the place-of-origin line, below the nationality box and above the
 * address lines, where no field, label or the QR's quiet zone reaches: the longest generated place
 * of origin ends near x ≈ 690 and address lines start at y = 512. A forger who pastes a new main
 * portrait leaves the ghost of the original holder, so the two are compared (tamper.ts).
 */
export const FRONT_GHOST: Box = { x: 880, y: 408, width: 72, height: 96 };

/** Line boxes of the printed values on the front, by canonical field (or line) name. */
export const FRONT_FIELD_BOXES = {
  idNumber: { x: 392, y: 196, width: 380, height: 44 },
  fullName: { x: 282, y: 278, width: 725, height: 42 },
  dateOfBirth: { x: 552, y: 326, width: 230, height: 34 },
  sex: { x: 447, y: 366, width: 120, height: 34 },
  nationality: { x: 812, y: 366, width: 195, height: 34 },
  addressLine1: { x: 282, y: 512, width: 725, height: 32 },
  addressLine2: { x: 282, y: 544, width: 725, height: 32 },
  expiryDate: { x: 34, y: 560, width: 236, height: 32 },
} as const satisfies Record<string, Box>;

export type FrontLine = keyof typeof FRONT_FIELD_BOXES;

/** Baselines and x of the printed values (used by the generator to draw them inside the boxes). */
export const FRONT_TEXT = {
  idNumber: { x: 400, y: 230, size: 32, bold: true },
  fullName: { x: 290, y: 310, size: 28, bold: true },
  dateOfBirth: { x: 560, y: 352, size: 22, bold: false },
  sex: { x: 455, y: 392, size: 22, bold: false },
  nationality: { x: 820, y: 392, size: 22, bold: false },
  addressLine1: { x: 290, y: 536, size: 21, bold: false },
  addressLine2: { x: 290, y: 568, size: 21, bold: false },
  expiryDate: { x: 42, y: 584, size: 20, bold: true },
} as const satisfies Record<FrontLine, { x: number; y: number; size: number; bold: boolean }>;

/**
 * The back's printed issue date ("Ngày, tháng, năm / Date, month, year: DD/MM/YYYY"): where the
 * generator draws it (baseline, size) and the line box the reader crops (ocr/back.ts), the label
 * left out.
 */
export const BACK_ISSUE_DATE_TEXT = { x: 360, y: 140, size: 20, bold: true } as const;
export const BACK_ISSUE_DATE_BOX: Box = { x: 352, y: 114, width: 170, height: 34 };

/**
 * The back's MRZ (TD1, three rows of 30 OCR-B characters): where the generator draws it (the first
 * row's baseline, the rows' pitch, the font size), and the three row boxes the MRZ reader crops when
 * the back's frame is known (mrz/layout-rows.ts). The boxes are where the text detector put these
 * rows on 19 generated backs whose edges were found (mapped back into the card frame: ends at
 * x ≈ 67 and ≈ 980, centres 464.5, 520.7 and 577.3, 37–45 px thick, ≈ 41 on most), so a crop from the layout
 * gives the recogniser what a detected box does.
 */
export const BACK_MRZ_TEXT = { x: 66, y: 478, pitch: 56, size: 42 } as const;
export const BACK_MRZ_ROWS: readonly Box[] = [464.5, 520.7, 577.3].map((centre) => ({
  x: 67,
  y: centre - 20.5,
  width: 913,
  height: 41,
}));
