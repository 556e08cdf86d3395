/** Typed errors of the customer SDK (wallet file, consent signing, direct revocation). */
import { KycnetError } from "../errors.ts";

/** The passphrase does not open the wallet (the keystore MAC does not match). */
export class WalletWrongPassphraseError extends KycnetError {
  constructor(options: { cause?: unknown } = {}) {
    super("WALLET_WRONG_PASSPHRASE", "wrong passphrase for this wallet", options);
  }
}

/** The wallet file is not a kycnet customer wallet, or a part of it is damaged or hostile. */
export class WalletMalformedError extends KycnetError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super("WALLET_MALFORMED", `malformed wallet: ${reason}`, { details: { reason }, ...options });
  }
}

export class WalletEntryNotFoundError extends KycnetError {
  constructor(attestationUid: string) {
    super("WALLET_ENTRY_NOT_FOUND", `no key for attestation ${attestationUid} in this wallet`, {
      details: { attestationUid },
    });
  }
}

export class WalletEntryExistsError extends KycnetError {
  constructor(attestationUid: string) {
    super("WALLET_ENTRY_EXISTS", `the wallet already holds attestation ${attestationUid}`, {
      details: { attestationUid },
    });
  }
}

/** The signing key is not the consent's subject: the contract would refuse the call. */
export class NotConsentSubjectError extends KycnetError {
  constructor(consentId: string, signer: string, subject: string) {
    super("NOT_CONSENT_SUBJECT", `${signer} is not the subject of consent ${consentId}`, {
      details: { consentId, signer, subject },
    });
  }
}

/** A transaction sent by the subject key failed (revert decoded when possible, or no gas). */
export class SubjectTransactionError extends KycnetError {
  constructor(operation: string, reason: string, options: { cause?: unknown } = {}) {
    super("SUBJECT_TRANSACTION_FAILED", `${operation} failed: ${reason}`, {
      details: { operation, reason },
      ...options,
    });
  }
}
