/**
 * Custody failures as typed errors with stable codes. Messages name what was wrong (which module
 * path, which token or key label) and never carry a PIN, key material or plaintext.
 */
import { KycnetError } from "@kycnet/sdk/errors";

/** The PKCS#11 library could not be loaded from the configured path. */
export class HsmModuleNotFoundError extends KycnetError {
  constructor(modulePath: string, cause?: unknown) {
    super("HSM_MODULE_NOT_FOUND", `PKCS#11 module could not be loaded from ${modulePath}`, {
      details: { modulePath },
      cause,
    });
  }
}

/** No initialised token carries the configured label. */
export class HsmTokenNotFoundError extends KycnetError {
  constructor(tokenLabel: string) {
    super("HSM_TOKEN_NOT_FOUND", `no PKCS#11 token labelled "${tokenLabel}"`, { details: { tokenLabel } });
  }
}

/** The token refused the PIN. The PIN itself is never part of the error. */
export class HsmPinIncorrectError extends KycnetError {
  constructor(tokenLabel: string, userType: "user" | "so", cause?: unknown) {
    super("HSM_PIN_INCORRECT", `the ${userType} PIN was rejected by token "${tokenLabel}"`, {
      details: { tokenLabel, userType },
      cause,
    });
  }
}

/** The token has locked the PIN after too many failures. */
export class HsmPinLockedError extends KycnetError {
  constructor(tokenLabel: string, cause?: unknown) {
    super("HSM_PIN_LOCKED", `the PIN of token "${tokenLabel}" is locked`, { details: { tokenLabel }, cause });
  }
}

/** A key the node needs is not on the token under its configured label. */
export class HsmKeyNotFoundError extends KycnetError {
  constructor(role: KeyRole, keyLabel: string) {
    super("HSM_KEY_NOT_FOUND", `no ${role} key labelled "${keyLabel}" on the token`, { details: { role, keyLabel } });
  }
}

/** A key exists under the label but is of the wrong type, curve or size, or allows too much. */
export class HsmWrongKeyTypeError extends KycnetError {
  constructor(role: KeyRole, keyLabel: string, reason: string) {
    super("HSM_WRONG_KEY_TYPE", `${role} key "${keyLabel}": ${reason}`, { details: { role, keyLabel, reason } });
  }
}

/** The module reported a failure not covered above; `rv` is the PKCS#11 return-value name. */
export class HsmOperationError extends KycnetError {
  constructor(operation: string, rv: string, cause?: unknown) {
    super("HSM_OPERATION_FAILED", `${operation} failed in the HSM (${rv})`, { details: { operation, rv }, cause });
  }
}

/** The module is already in use in this process with a different configuration. */
export class HsmModuleBusyError extends KycnetError {
  constructor(modulePath: string, reason: string) {
    super("HSM_MODULE_BUSY", `PKCS#11 module ${modulePath} is in use: ${reason}`, { details: { modulePath, reason } });
  }
}

/** A payload exceeds the configured limit; nothing was encrypted or stored. */
export class PayloadTooLargeError extends KycnetError {
  constructor(what: string, size: number, limit: number) {
    super("PAYLOAD_TOO_LARGE", `${what} is ${size} bytes, over the limit of ${limit}`, {
      details: { what, size, limit },
    });
  }
}

/** An envelope or sealed message is structurally invalid (truncated, wrong field sizes, unknown version). */
export class CiphertextMalformedError extends KycnetError {
  constructor(what: string, reason: string) {
    super("CIPHERTEXT_MALFORMED", `${what} is malformed: ${reason}`, { details: { what, reason } });
  }
}

/** An envelope or sealed message does not authenticate: tampered, wrong associated data or wrong key. */
export class CiphertextRejectedError extends KycnetError {
  constructor(what: string, cause?: unknown) {
    super("CIPHERTEXT_REJECTED", `${what} failed authentication (tampered, wrong associated data or wrong key)`, {
      details: { what },
      cause,
    });
  }
}

/** The HSM returned a signature that does not recover to the key's address (never expected). */
export class SignatureUnrecoverableError extends KycnetError {
  constructor() {
    super("SIGNATURE_UNRECOVERABLE", "the HSM signature does not recover to the signing key's address");
  }
}

/** The key manager was closed. */
export class KeyManagerClosedError extends KycnetError {
  constructor() {
    super("KEY_MANAGER_CLOSED", "the key manager is closed");
  }
}

export type KeyRole = "signing" | "kek" | "transport";
