/**
 * Public ICAO 9303 reference data for the chip verifier (the BSI TR-03105-5 data set, a real
 * passport's active-authentication answers): described in test/fixtures/chip/README.md, but not
 * carried by this repository (material taken from other projects is kept only in the workplace's
 * shared data, never committed here). Read from `KYCNET_CHIP_REFERENCE_DIR`, by default
 * `../shared/eval/chip-reference` beside the repository; the cases that need it are pending without it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const CHIP_REFERENCE_DIR =
  process.env.KYCNET_CHIP_REFERENCE_DIR ??
  fileURLToPath(new URL("../../../shared/eval/chip-reference/", import.meta.url));

/** A file of the reference data, e.g. `bsi-tr03105-5/EF_SOD.bin`. */
export const chipReference = (file: string): string => join(CHIP_REFERENCE_DIR, file);

/** True when the reference data is there. */
export const chipReferencePresent = (): boolean =>
  existsSync(chipReference("bsi-tr03105-5/EF_SOD.bin")) &&
  existsSync(chipReference("active-authentication-vectors.json"));

/** For `before` hooks: skip (pending, never passed) the enclosing suite when the data is absent. */
export function skipWithoutChipReference(context: Mocha.Context): void {
  if (chipReferencePresent()) return;
  console.warn(`      chip reference data not found at ${CHIP_REFERENCE_DIR}: its cases are skipped`);
  context.skip();
}
