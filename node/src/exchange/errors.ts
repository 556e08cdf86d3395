/**
 * Exchange failures as typed errors with stable codes. A refusal by the serving bank keeps its wire
 * status (`NOT_GRANTEE`, `CONSENT_NOT_ACTIVE`, ...) so callers switch on it; messages never carry
 * personal data, salts or key material.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { RecordStatus } from "./record-status.ts";

/** The serving bank answered with a status other than OK. */
export class RecordRequestRefusedError extends KycnetError {
  readonly status: Exclude<RecordStatus, "OK">;
  constructor(status: Exclude<RecordStatus, "OK">, message: string, requestId: string) {
    super("EXCHANGE_REFUSED", `the issuing bank refused the record request: ${status} (${message})`, {
      details: { status, requestId },
    });
    this.status = status;
  }
}

/** A disclosed field (or the face template) does not match the anchored record root. */
export class DisclosureVerificationError extends KycnetError {
  constructor(field: string, reason: string) {
    super("DISCLOSURE_INVALID", `disclosed field ${field} failed verification: ${reason}`, {
      details: { field, reason },
    });
  }
}

/** The peer broke the protocol: malformed, oversized or mismatched response. */
export class ExchangeProtocolError extends KycnetError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super("EXCHANGE_PROTOCOL", `record exchange protocol violation: ${reason}`, { details: { reason }, ...options });
  }
}

/** The exchange did not finish before its deadline (or the caller aborted it). */
export class ExchangeTimeoutError extends KycnetError {
  constructor(stage: string, options: { cause?: unknown } = {}) {
    super("EXCHANGE_TIMEOUT", `record exchange timed out or was aborted while ${stage}`, {
      details: { stage },
      ...options,
    });
  }
}

/** The remote peer could not be reached, or the connection was refused (e.g. by its membership gate). */
export class ExchangeDialError extends KycnetError {
  constructor(address: string, options: { cause?: unknown } = {}) {
    super("EXCHANGE_DIAL_FAILED", `could not open the record protocol with ${address}`, {
      details: { address },
      ...options,
    });
  }
}

/** The chain says the peer (or the attestation's issuer) is not an active member. */
export class PeerNotMemberError extends KycnetError {
  constructor(who: string) {
    super("PEER_NOT_MEMBER", `${who} is not an active consortium member`, { details: { who } });
  }
}

/** The attestation the caller wants a record for is not VALID on chain right now. */
export class AttestationNotUsableError extends KycnetError {
  constructor(uid: string, status: string) {
    super("ATTESTATION_NOT_VALID", `attestation ${uid} is ${status} on chain`, { details: { uid, status } });
  }
}

/** The peer key file or sealed value could not be read back. */
export class PeerKeyInvalidError extends KycnetError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super("PEER_KEY_INVALID", `stored libp2p peer key is unusable: ${reason}`, { details: { reason }, ...options });
  }
}

/** The issuing bank's own record cannot be disclosed (integrity or completeness); served as INTERNAL. */
export class RecordNotDisclosableError extends KycnetError {
  constructor(recordId: string, reason: string) {
    super("RECORD_NOT_DISCLOSABLE", `record ${recordId} cannot be disclosed: ${reason}`, {
      details: { recordId, reason },
    });
  }
}
