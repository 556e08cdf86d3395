/**
 * The `KeyManager` port: everything the node asks of a bank's keys. The bank's three keys never
 * leave their custody (the HSM in production, see pkcs11/); callers get operations, not keys:
 *
 * - chain signing: a secp256k1 key signs 32-byte digests (low-s, with the recovery bit), wrapped as
 *   an ethers v6 signer for transactions, EIP-191 messages and EIP-712 typed data;
 * - envelope encryption of records at rest: each record gets a fresh AES-256-GCM data key, wrapped
 *   by the bank's key-encryption key (KEK); the record id is the GCM associated data;
 * - transport encryption between banks: ECDH on P-256 against a member's published transport key,
 *   HKDF-SHA256 to a message key, AES-256-GCM (format in transport-format.ts).
 *
 * Crypto-shredding is the caller's job and needs no call here: a record's only decryptable copy of
 * its data key is `SealedRecord.wrappedKey`; deleting every stored copy of it (the vault does this at
 * the end of retention) leaves ciphertext that nobody, the bank included, can open again.
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

/** One record encrypted at rest. Every field is needed to open it; all are safe to store. */
export interface SealedRecord {
  /** Envelope format version (1). */
  readonly version: 1;
  /** Label of the KEK that wrapped the data key (lets a bank rotate KEKs and keep old records). */
  readonly keyId: string;
  /** Key-wrap algorithm of `wrappedKey`: RFC 3394 AES key wrap under the KEK. */
  readonly wrapAlgorithm: "AES-KW-256";
  /** The record's AES-256 data key, wrapped by the KEK (40 bytes). Delete it to shred the record. */
  readonly wrappedKey: Uint8Array;
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

  /** Encrypts a record under a fresh data key; `recordId` is bound as associated data. */
  sealRecord(recordId: string, plaintext: Uint8Array): Promise<SealedRecord>;
  /**
   * Decrypts a sealed record. Throws CIPHERTEXT_MALFORMED when the envelope is not well formed
   * (truncated, wrong sizes) and CIPHERTEXT_REJECTED when it does not authenticate (tampered, wrong
   * record id, a data key that is not this record's or was shredded and replaced).
   */
  openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array>;

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

/** Size limits every adapter enforces before touching a key (hostile input must not allocate freely). */
/**
 * The token operations an adapter reports to its observer: a digest signed, a record sealed (data
 * key generated, wrapped, used), a record opened (data key unwrapped, used), an ECDH derivation.
 */
export type KeyOperation = "sign" | "wrap" | "unwrap" | "ecdh";

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
