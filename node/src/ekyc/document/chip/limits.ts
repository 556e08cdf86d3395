/**
 * Explicit bounds on everything the chip verifier parses, so that hostile input is refused early
 * (before any decoding) instead of costing memory, stack or time. Real CCCD and passport files are
 * far below these: EF.SOD ≈ 2–5 KB, DG2 ≈ 15–30 KB, a whole ICAO master list ≈ 1 MB.
 */
export interface ChipLimits {
  /** Largest accepted EF.SOD, bytes. */
  maxSodBytes: number;
  /** Largest accepted DG2 (the portrait), bytes. */
  maxPortraitBytes: number;
  /** Largest accepted other elementary file, bytes. */
  maxFileBytes: number;
  /** Deepest ASN.1 nesting accepted in any file. */
  maxDepth: number;
  /** Largest portrait accepted for decoding, pixels. */
  maxPortraitPixels: number;
  /** Largest trust-list input (master list, PEM bundle), bytes. */
  maxTrustListBytes: number;
}

export const DEFAULT_CHIP_LIMITS: Readonly<ChipLimits> = Object.freeze({
  maxSodBytes: 64 * 1024,
  maxPortraitBytes: 512 * 1024,
  maxFileBytes: 32 * 1024,
  maxDepth: 24,
  maxPortraitPixels: 4_000_000,
  maxTrustListBytes: 16 * 1024 * 1024,
});
