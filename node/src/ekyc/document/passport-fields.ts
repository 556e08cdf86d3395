/** What makes an MRZ a passport's, and the canonical passport number it gives (docs/protocol.md §2). */
import { passportIdNumber } from "@kycnet/sdk/protocol";
import type { MrzData } from "./mrz/parse.ts";

/** A TD3 MRZ whose document code starts with P (ICAO 9303 part 4); a visa (V) is not one. */
export const isPassport = (mrz: Pick<MrzData, "format" | "documentCode">): boolean =>
  mrz.format === "TD3" && mrz.documentCode.startsWith("P");

/**
 * The canonical passport number of a passport's MRZ (photographed, or the chip's DG1), when the
 * check digit protecting it holds (`numberChecked`); else null, never a guess.
 */
export function passportNumberOf(
  mrz: Pick<MrzData, "format" | "documentCode" | "issuingState" | "documentNumber">,
  numberChecked: boolean,
): string | null {
  if (!isPassport(mrz) || !numberChecked) return null;
  try {
    return passportIdNumber(mrz.issuingState, mrz.documentNumber);
  } catch {
    return null; // a state or number no canonical form holds: reported as missing
  }
}
