/** What makes an MRZ a passport's, and the canonical passport number it gives (docs/protocol.md §2). */
import { passportIdNumber } from "@kycnet/sdk/protocol";
import type { MrzData } from "./mrz/parse.ts";

/** The canonical passport number the MRZ gives, when its check digit holds; else null. */
export function passportNumberOf(mrz: MrzData): string | null {
  if (!isPassport(mrz)) return null;
  if (mrz.checks.find((c) => c.name === "documentNumber")?.valid !== true) return null;
  try {
    return passportIdNumber(mrz.issuingState, mrz.documentNumber);
  } catch {
    return null; // a state or number no canonical form holds: reported as missing, never guessed
  }
}

/** A TD3 MRZ whose document code starts with P (ICAO 9303 part 4); a visa (V) is not one. */
export const isPassport = (mrz: MrzData): boolean => mrz.format === "TD3" && mrz.documentCode.startsWith("P");
