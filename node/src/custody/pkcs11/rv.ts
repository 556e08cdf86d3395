/** PKCS#11 return values (CKR_*) out of pkcs11js errors, and the typed error for an unexpected one. */
import { isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import { HsmOperationError } from "../errors.ts";

/** The CKR_* name of a pkcs11js error, or "UNKNOWN". */
export function rvOf(error: unknown): string {
  if (error instanceof Error) {
    const match = /CKR_[A-Z0-9_]+/.exec(error.message);
    if (match) return match[0];
  }
  return "UNKNOWN";
}

/** Keeps kycnet errors as they are; anything else becomes HSM_OPERATION_FAILED with its CKR name. */
export function toHsmError(operation: string, error: unknown): KycnetError {
  if (isKycnetError(error)) return error;
  return new HsmOperationError(operation, rvOf(error), error);
}
