/**
 * The `KeyManager` port: everything the node asks of a bank's keys. The bank's three keys never
 * leave their custody (the HSM in production, see pkcs11/); callers get operations, not keys:
 *
 * - chain signing: a secp256k1 key signs 32-byte digests (low-s, with the recovery bit), wrapped as
 *   an ethers v6 signer for transactions, EIP-191 messages and EIP-712 typed data;
 * - records at rest: AES-256-GCM inside the custody under a *record key* named by the caller
 *   (`keyId`, one per retention period: the vault's key hierarchy, see vault/README.md); the record
 *   id is the GCM associated data. Record keys are created on first use and destroyed on request;
 *   no record key and no derived key ever leaves the custody, not even wrapped;
 * - transport encryption between banks: ECDH on P-256 against a member's published transport key,
 *   then a key derivation inside the custody to an AES-256-GCM message key (transport-format.ts).
 *
 * Crypto-shredding: destroying a record key (`destroyRecordKey`) makes every ciphertext sealed under
 * it unreadable for good, in every copy of the storage, by anyone, the bank included. The vault
 * decides which records share a key and when it is destroyed.
 */
import type { AbstractSigner, Provider } from "ethers";

/** A secp256k1 signature over a digest, already normalised to low s (EIP-2). */
export interface DigestSignature {
  /** 0x-prefixed 32-byte hex. */
  readonly r: string;
  /** 0x-prefixed 32-byte hex, always <= n/2. */
  readonly s: string;
  /** 27 or 28, found by recovering against the key's address. */
  readonly v: 27 | 28;
  /** 0 or 1 (= v - 27). */
  readonly yParity: 0 | 1;
  /** r || s || v, 65 bytes, 0x-prefixed: what `ecrecover`/OpenZeppelin `ECDSA.recover` take. */
  readonly serialized: string;
}

/**
 * One record encrypted at rest. Every field is needed to open it; all are safe to store.
 * Version 2 (this one) encrypts under the record key itself; version 1 carried a data key wrapped by
 * one bank-wide KEK, which could be unwrapped as extractable and never destroyed: it is refused.
 */
export interface SealedRecord {
  /** Envelope format version (2). */
  readonly version: 2;
  /** The record key that sealed it (`RECORD_KEY_ID_PATTERN`), e.g. `open/2026` or `until/2031-12`. */
  readonly keyId: string;
  /** 12-byte AES-GCM nonce. */
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** 16-byte AES-GCM tag. */
  readonly tag: Uint8Array;
}

export interface KeyManager {
  /** The bank's chain account, derived from the signing key's public point. */
  getAddress(): Promise<string>;
  /** Signs a 32-byte digest with the chain key. Throws INVALID_ARGUMENT unless exactly 32 bytes. */
  signDigest(digest: Uint8Array): Promise<DigestSignature>;
  /** An ethers v6 signer over `signDigest`, optionally connected to a provider. */
  createSigner(provider?: Provider | null): AbstractSigner;

  /**
   * Encrypts a record under the record key `keyId` (created in the custody on first use);
   * `recordId` is bound as associated data. Throws INVALID_ARGUMENT for a malformed `keyId`.
   */
  sealRecord(recordId: string, plaintext: Uint8Array, keyId: string): Promise<SealedRecord>;
  /**
   * Decrypts a sealed record. Throws CIPHERTEXT_MALFORMED when the envelope is not well formed
   * (truncated, wrong sizes, version 1) and CIPHERTEXT_REJECTED when it does not authenticate
   * (tampered, wrong record id, another key) or its record key was destroyed.
   */
  openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array>;
  /** The ids of the record keys that exist now, sorted. */
  listRecordKeys(): Promise<string[]>;
  /**
   * Destroys the record key `keyId` in the custody: everything sealed under it, in any copy of the
   * storage, can never be opened again. Idempotent (an unknown key is not an error).
   */
  destroyRecordKey(keyId: string): Promise<void>;

  /** The bank's P-256 transport public key, SEC1 compressed (33 bytes), as published on chain. */
  getTransportPublicKey(): Promise<Uint8Array>;
  /**
   * Seals `payload` for the holder of `peerPublicKey` (SEC1 P-256, compressed or not). `aad` (e.g.
   * the consent id) must be given again to open. The sender uses a fresh ephemeral key per message.
   */
  sealForPeer(peerPublicKey: Uint8Array, payload: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Opens a message sealed for this bank's transport key. */
  openFromPeer(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;

  /** Releases sessions and handles. Idempotent; every other call afterwards throws KEY_MANAGER_CLOSED. */
  close(): Promise<void>;
}

/** The record key of the node's own long-lived secrets (its libp2p key): never rotated by the vault. */
export const IDENTITY_KEY_ID = "identity";

/** Size limits every adapter enforces before touching a key (hostile input must not allocate freely). */
/**
 * The token operations an adapter reports to its observer: a digest signed, a record sealed (data
 * key generated, wrapped, used), a record opened (data key unwrapped, used), an ECDH derivation.
 */
/** Token operations: a transaction signature, a record sealed or opened (AES-GCM in the token), an ECDH derivation. */
export type KeyOperation = "sign" | "seal" | "open" | "ecdh";

/**
 * Told of each operation the token completed. The composition root passes one that counts them in
 * the node's metrics; custody itself knows nothing of metrics.
 */
export type KeyOperationObserver = (operation: KeyOperation) => void;

export interface PayloadLimits {
  /** Largest record plaintext `sealRecord` accepts. */
  readonly maxRecordBytes: number;
  /** Largest payload `sealForPeer` accepts. */
  readonly maxTransportBytes: number;
  /** Largest associated data / record id, in bytes. */
  readonly maxAadBytes: number;
}

export const DEFAULT_LIMITS: PayloadLimits = Object.freeze({
  maxRecordBytes: 8 * 1024 * 1024,
  maxTransportBytes: 8 * 1024 * 1024,
  maxAadBytes: 1024,
});
