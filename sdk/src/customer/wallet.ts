/**
 * The customer's wallet: one reference per attestation `{ attestationUid, issuer, subject }` with
 * that attestation's subject key, encrypted with the customer's passphrase as a standard Ethereum
 * keystore v3 (scrypt + AES-128-CTR + keccak MAC), so any Ethereum tool can open a key too.
 *
 * The references themselves are stored in clear (they are public chain data and carry no personal
 * data), but together they show which banks a customer uses: keep the file on the customer's device.
 *
 * A wallet file comes from outside (disk, backup, another app): it is parsed with size limits and
 * its scrypt parameters are bounded before any key derivation, so a hostile file cannot make us
 * allocate gigabytes or spin for minutes.
 */
import { Wallet, decryptKeystoreJson, encryptKeystoreJson, getAddress, isError } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import { assertAddress, assertBytes32, type Hex } from "../protocol/bytes.ts";
import {
  WalletEntryExistsError,
  WalletEntryNotFoundError,
  WalletMalformedError,
  WalletWrongPassphraseError,
} from "./errors.ts";

export const WALLET_FORMAT = "kycnet-customer-wallet";
export const WALLET_VERSION = 1;
/** scrypt N used by `Wallet.encrypt` and geth's "standard" keystores' lighter sibling: 2^17 (128 MiB, ~1 s). */
export const DEFAULT_SCRYPT_N = 1 << 17;
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ENTRIES = 1000;
/** Memory bound for opening a key: 128·N·r bytes ≤ 256 MiB (accepts geth's N=2^18, r=8). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_P = 4;

/** What the customer's app keeps about one attestation. */
export interface AttestationReference {
  readonly attestationUid: Hex;
  /** The member account that anchored it. */
  readonly issuer: Hex;
  /** The attestation's subject key address. */
  readonly subject: Hex;
}

export interface WalletEntry extends AttestationReference {
  /** The subject key as a keystore v3 JSON object (encrypted with the wallet passphrase). */
  readonly keystore: Readonly<Record<string, unknown>>;
}

export interface AddAttestationInput {
  readonly attestationUid: Hex;
  readonly issuer: Hex;
  /** The subject key made by `createSubjectKey()` for this attestation. */
  readonly subjectKey: Wallet;
}

export interface EncryptOptions {
  /**
   * scrypt cost N (a power of two). FOR TESTS ONLY: lower it (e.g. 2^10) to make tests fast.
   * Production must keep the default 2^17; anything lower makes a stolen file easy to brute-force.
   */
  readonly scryptN?: number;
}

export interface CustomerWallet {
  /** The references, without keys, in the order added. */
  list(): readonly AttestationReference[];
  find(attestationUid: Hex): AttestationReference | null;
  /** Encrypts the subject key with `passphrase` and adds the reference. With existing entries, the passphrase must be the wallet's. */
  add(input: AddAttestationInput, passphrase: string, options?: EncryptOptions): Promise<AttestationReference>;
  /** Decrypts the subject key of one attestation (WALLET_WRONG_PASSPHRASE, WALLET_ENTRY_NOT_FOUND). */
  unlock(attestationUid: Hex, passphrase: string): Promise<Wallet>;
  /** Removes an entry (its key is then gone: the customer can no longer grant consent for it). */
  remove(attestationUid: Hex): boolean;
  /** The file's JSON text. */
  serialize(): string;
}

export function createCustomerWallet(): CustomerWallet {
  return walletOver([]);
}

/** Opens a wallet file's text; throws WALLET_MALFORMED for anything that is not one. */
export function parseCustomerWallet(text: string): CustomerWallet {
  if (typeof text !== "string") throw new WalletMalformedError("not text");
  if (text.length > MAX_FILE_BYTES) throw new WalletMalformedError(`larger than ${MAX_FILE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new WalletMalformedError("not JSON", { cause });
  }
  if (!isObject(doc) || doc.format !== WALLET_FORMAT) throw new WalletMalformedError(`not a ${WALLET_FORMAT} file`);
  if (doc.version !== WALLET_VERSION) throw new WalletMalformedError(`unsupported version ${String(doc.version)}`);
  if (!Array.isArray(doc.entries) || doc.entries.length > MAX_ENTRIES)
    throw new WalletMalformedError("entries must be a list");
  const entries = doc.entries.map((e: unknown, i: number) => toEntry(e, i));
  const uids = new Set(entries.map((e) => e.attestationUid));
  if (uids.size !== entries.length) throw new WalletMalformedError("duplicate attestation");
  return walletOver(entries);
}

function walletOver(initial: WalletEntry[]): CustomerWallet {
  const entries = [...initial];
  const indexOf = (uid: Hex) => entries.findIndex((e) => e.attestationUid === uid.toLowerCase());
  const reference = (e: WalletEntry): AttestationReference =>
    Object.freeze({ attestationUid: e.attestationUid, issuer: e.issuer, subject: e.subject });

  async function unlockEntry(entry: WalletEntry, passphrase: string): Promise<Wallet> {
    assertPassphrase(passphrase);
    assertScryptBounds(entry.keystore);
    let account;
    try {
      account = await decryptKeystoreJson(JSON.stringify(entry.keystore), passphrase);
    } catch (cause) {
      if (isError(cause, "INVALID_ARGUMENT") && cause.argument === "password")
        throw new WalletWrongPassphraseError({ cause });
      throw new WalletMalformedError(`keystore of ${entry.attestationUid} cannot be opened`, { cause });
    }
    // The keystore's own address is unauthenticated text: check the decrypted key against the entry.
    if (account.address.toLowerCase() !== entry.subject)
      throw new WalletMalformedError(`key of ${entry.attestationUid} is not its subject's`);
    return new Wallet(account.privateKey);
  }

  return {
    list: () => entries.map(reference),
    find(uid) {
      assertBytes32(uid, "attestationUid");
      const i = indexOf(uid);
      return i < 0 ? null : reference(entries[i]!);
    },
    async add(input, passphrase, options = {}) {
      assertBytes32(input.attestationUid, "attestationUid");
      assertAddress(input.issuer, "issuer");
      if (!(input.subjectKey instanceof Wallet))
        throw new InvalidArgumentError("subjectKey", "must be an ethers Wallet");
      assertPassphrase(passphrase);
      const uid = input.attestationUid.toLowerCase() as Hex;
      if (indexOf(uid) >= 0) throw new WalletEntryExistsError(uid);
      if (entries.some((e) => e.subject === input.subjectKey.address.toLowerCase())) {
        throw new InvalidArgumentError(
          "subjectKey",
          "already used for another attestation: make a fresh one with createSubjectKey()",
        );
      }
      // One passphrase per wallet: opening one existing key proves the caller knows it.
      if (entries[0] !== undefined) await unlockEntry(entries[0], passphrase);
      const n = options.scryptN ?? DEFAULT_SCRYPT_N;
      if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0 || 128 * n * 8 > MAX_SCRYPT_MEMORY) {
        throw new InvalidArgumentError("scryptN", "must be a power of two, at most 2^18");
      }
      const json = await encryptKeystoreJson(
        { address: input.subjectKey.address, privateKey: input.subjectKey.privateKey },
        passphrase,
        { scrypt: { N: n } },
      );
      const entry: WalletEntry = Object.freeze({
        attestationUid: uid,
        issuer: input.issuer.toLowerCase() as Hex,
        subject: input.subjectKey.address.toLowerCase() as Hex,
        keystore: Object.freeze(JSON.parse(json) as Record<string, unknown>),
      });
      entries.push(entry);
      return reference(entry);
    },
    async unlock(uid, passphrase) {
      assertBytes32(uid, "attestationUid");
      const i = indexOf(uid);
      if (i < 0) throw new WalletEntryNotFoundError(uid);
      return unlockEntry(entries[i]!, passphrase);
    },
    remove(uid) {
      assertBytes32(uid, "attestationUid");
      const i = indexOf(uid);
      if (i >= 0) entries.splice(i, 1);
      return i >= 0;
    },
    serialize: () => JSON.stringify({ format: WALLET_FORMAT, version: WALLET_VERSION, entries }, null, 2),
  };
}

function toEntry(raw: unknown, i: number): WalletEntry {
  if (!isObject(raw)) throw new WalletMalformedError(`entry ${i} is not an object`);
  const { attestationUid, issuer, subject, keystore } = raw;
  try {
    assertBytes32(attestationUid, `entries[${i}].attestationUid`);
    assertAddress(issuer, `entries[${i}].issuer`);
    assertAddress(subject, `entries[${i}].subject`);
  } catch (cause) {
    throw new WalletMalformedError(`entry ${i}: ${(cause as Error).message}`, { cause });
  }
  if (!isObject(keystore) || keystore.version !== 3 || !isObject(cryptoOf(keystore))) {
    throw new WalletMalformedError(`entry ${i}: keystore is not a keystore v3 object`);
  }
  assertScryptBounds(keystore);
  // Keystore v3 stores the address without 0x; when present it must agree with the entry.
  if (
    typeof keystore.address === "string" &&
    getAddressOrNull(keystore.address)?.toLowerCase() !== subject.toLowerCase()
  ) {
    throw new WalletMalformedError(`entry ${i}: keystore address differs from the subject`);
  }
  return Object.freeze({
    attestationUid: attestationUid.toLowerCase() as Hex,
    issuer: issuer.toLowerCase() as Hex,
    subject: subject.toLowerCase() as Hex,
    keystore: Object.freeze(keystore),
  });
}

/** Only scrypt, with parameters a phone can afford: refuses a file crafted to exhaust memory or CPU. */
function assertScryptBounds(keystore: Readonly<Record<string, unknown>>): void {
  const crypto = cryptoOf(keystore);
  if (!isObject(crypto) || String(crypto.kdf).toLowerCase() !== "scrypt" || !isObject(crypto.kdfparams)) {
    throw new WalletMalformedError("keystore must use scrypt");
  }
  const { n, r, p, dklen } = crypto.kdfparams;
  const ok =
    [n, r, p].every((v) => Number.isSafeInteger(v) && (v as number) > 0) &&
    ((n as number) & ((n as number) - 1)) === 0 &&
    128 * (n as number) * (r as number) <= MAX_SCRYPT_MEMORY &&
    (p as number) <= MAX_SCRYPT_P &&
    dklen === 32;
  if (!ok) throw new WalletMalformedError("keystore scrypt parameters out of bounds");
}

/** Keystore v3 names the section "crypto"; ethers (like some other tools) writes "Crypto". */
function cryptoOf(keystore: Readonly<Record<string, unknown>>): unknown {
  return keystore.crypto ?? keystore.Crypto;
}

function assertPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== "string" || passphrase.length === 0 || passphrase.length > 1024) {
    throw new InvalidArgumentError("passphrase", "must be a non-empty string of at most 1024 characters");
  }
}

function getAddressOrNull(value: string): string | null {
  try {
    return getAddress(value.startsWith("0x") ? value : `0x${value}`);
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
