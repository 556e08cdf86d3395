/** Finding a token by label and logging in to it, with typed errors that never carry the PIN. */
import { createHmac, randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { HsmPinIncorrectError, HsmPinLockedError, HsmTokenNotFoundError } from "../errors.ts";
import { rvOf, toHsmError } from "./rv.ts";

/** CK_TOKEN_INFO labels are 32 bytes padded with spaces (some libraries pad with NULs). */
export function normaliseLabel(label: string): string {
  return label.replace(/[\s\0]+$/u, "");
}

/** A label padded to the 32 bytes `C_InitToken` expects (pkcs11js would pad with NULs). */
export function padTokenLabel(label: string): string {
  return label.padEnd(32, " ");
}

/** The slot holding the initialised token labelled `tokenLabel`, or null. */
export function findTokenSlot(pkcs11: pkcs11js.PKCS11, tokenLabel: string): Buffer | null {
  let slots: Buffer[];
  try {
    slots = pkcs11.C_GetSlotList(true);
  } catch (error) {
    throw toHsmError("C_GetSlotList", error);
  }
  for (const slot of slots) {
    const info = pkcs11.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0 && normaliseLabel(info.label) === tokenLabel) return slot;
  }
  return null;
}

export function getTokenSlot(pkcs11: pkcs11js.PKCS11, tokenLabel: string): Buffer {
  const slot = findTokenSlot(pkcs11, tokenLabel);
  if (slot === null) throw new HsmTokenNotFoundError(tokenLabel);
  return slot;
}

/**
 * Login is per token for the whole process: once one key manager has logged in, `C_Login` answers
 * CKR_USER_ALREADY_LOGGED_IN to anyone, whatever PIN they give. So the PIN that logged in is kept
 * as a keyed hash (random per-process key, never the PIN itself), and a later login while the token
 * is still logged in must present the same PIN.
 */
const pinHashKey = randomBytes(32);
const loggedInPins = new Map<string, Buffer>();
const pinHash = (tokenLabel: string, userType: string, pin: string) =>
  createHmac("sha256", pinHashKey).update(`${userType}\0${tokenLabel}\0${pin}`).digest();

/**
 * Logs `session`'s application in to the token as `userType`. True when this call logged in, false
 * when the application already was: only a caller that logged in may log out, since a logout ends
 * the login of every session of the process on the token (a running key manager's too).
 */
export function login(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  tokenLabel: string,
  userType: "user" | "so",
  pin: string,
): boolean {
  const key = `${userType}\0${tokenLabel}`;
  try {
    pkcs11.C_Login(session, userType === "so" ? pkcs11js.CKU_SO : pkcs11js.CKU_USER, pin);
    loggedInPins.set(key, pinHash(tokenLabel, userType, pin));
    return true;
  } catch (error) {
    const rv = rvOf(error);
    if (rv === "CKR_USER_ALREADY_LOGGED_IN") {
      const known = loggedInPins.get(key);
      if (known !== undefined && !known.equals(pinHash(tokenLabel, userType, pin)))
        throw new HsmPinIncorrectError(tokenLabel, userType);
      return false;
    }
    // Never pass the native error on as `cause` for PIN failures: keep the chain free of anything PIN-related.
    if (rv === "CKR_PIN_INCORRECT" || rv === "CKR_PIN_LEN_RANGE" || rv === "CKR_PIN_INVALID")
      throw new HsmPinIncorrectError(tokenLabel, userType);
    if (rv === "CKR_PIN_LOCKED") throw new HsmPinLockedError(tokenLabel);
    throw toHsmError("C_Login", error);
  }
}
