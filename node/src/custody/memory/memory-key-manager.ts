/**
 * In-memory `KeyManager` for fast unit tests and local demos: the same contract as the PKCS#11
 * adapter, keys held in process memory (ethers `SigningKey`, node:crypto). Never for production:
 * nothing here is protected from the process that holds it.
 */
import { createCipheriv, createDecipheriv, createECDH, randomBytes, type ECDH } from "node:crypto";
import { SigningKey, getBytes, hexlify, type AbstractSigner, type Provider } from "ethers";
import { CiphertextRejectedError, KeyManagerClosedError } from "../errors.ts";
import { assertEnvelope, assertRecordPlaintext, GCM_IV_BYTES, recordAad } from "../envelope-format.ts";
import {
  DEFAULT_LIMITS,
  type DigestSignature,
  type KeyManager,
  type PayloadLimits,
  type SealedRecord,
} from "../key-manager.ts";
import { assertDigest, Secp256k1PublicKey } from "../secp256k1.ts";
import { KeyManagerSigner } from "../signer.ts";
import {
  assertTransportInput,
  openWithSharedSecret,
  parseSealed,
  sealWithSharedSecret,
  toCompressedP256,
  toUncompressedP256,
} from "../transport-format.ts";

const KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex"); // RFC 3394 default initial value

export interface MemoryKeyManagerOptions {
  /** 32-byte secp256k1 private key as hex; random when omitted. */
  readonly signingPrivateKey?: string;
  /** Label reported as `SealedRecord.keyId`. */
  readonly kekLabel?: string;
  readonly limits?: Partial<PayloadLimits>;
}

export class MemoryKeyManager implements KeyManager {
  readonly #signingKey: SigningKey;
  readonly #publicKey: Secp256k1PublicKey;
  readonly #kek: Buffer;
  readonly #kekLabel: string;
  readonly #transport: ECDH;
  readonly #transportPublic: Buffer;
  readonly #limits: PayloadLimits;
  #closed = false;

  constructor(options: MemoryKeyManagerOptions = {}) {
    this.#signingKey = new SigningKey(options.signingPrivateKey ?? hexlify(randomBytes(32)));
    this.#publicKey = new Secp256k1PublicKey(getBytes(this.#signingKey.publicKey));
    this.#kek = randomBytes(32);
    this.#kekLabel = options.kekLabel ?? "kycnet/kek";
    this.#transport = createECDH("prime256v1");
    this.#transport.generateKeys();
    this.#transportPublic = this.#transport.getPublicKey();
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  async getAddress(): Promise<string> {
    this.#assertOpen();
    return this.#publicKey.address;
  }

  async signDigest(digest: Uint8Array): Promise<DigestSignature> {
    this.#assertOpen();
    assertDigest(digest);
    const sig = this.#signingKey.sign(digest);
    return this.#publicKey.toEthereumSignature(digest, getBytes(sig.r + sig.s.slice(2)));
  }

  createSigner(provider: Provider | null = null): AbstractSigner {
    return new KeyManagerSigner(this, provider);
  }

  async sealRecord(recordId: string, plaintext: Uint8Array): Promise<SealedRecord> {
    this.#assertOpen();
    const aad = recordAad(recordId, this.#limits);
    assertRecordPlaintext(plaintext, this.#limits);
    const dataKey = randomBytes(32);
    try {
      const wrap = createCipheriv("id-aes256-wrap", this.#kek, KW_IV);
      const wrappedKey = Buffer.concat([wrap.update(dataKey), wrap.final()]);
      const iv = randomBytes(GCM_IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", dataKey, iv).setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        version: 1,
        keyId: this.#kekLabel,
        wrapAlgorithm: "AES-KW-256",
        wrappedKey: new Uint8Array(wrappedKey),
        iv: new Uint8Array(iv),
        ciphertext: new Uint8Array(ciphertext),
        tag: new Uint8Array(cipher.getAuthTag()),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  async openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array> {
    this.#assertOpen();
    const aad = recordAad(recordId, this.#limits);
    assertEnvelope(envelope, this.#limits);
    if (envelope.keyId !== this.#kekLabel) throw new CiphertextRejectedError("sealed record");
    let dataKey: Buffer;
    try {
      const unwrap = createDecipheriv("id-aes256-wrap", this.#kek, KW_IV);
      dataKey = Buffer.concat([unwrap.update(envelope.wrappedKey), unwrap.final()]);
    } catch (cause) {
      throw new CiphertextRejectedError("sealed record", cause);
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", dataKey, envelope.iv, { authTagLength: 16 }).setAAD(aad);
      decipher.setAuthTag(envelope.tag);
      return new Uint8Array(Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]));
    } catch (cause) {
      throw new CiphertextRejectedError("sealed record", cause);
    } finally {
      dataKey.fill(0);
    }
  }

  async getTransportPublicKey(): Promise<Uint8Array> {
    this.#assertOpen();
    return toCompressedP256(this.#transportPublic);
  }

  async sealForPeer(peerPublicKey: Uint8Array, payload: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const recipient = toUncompressedP256(peerPublicKey);
    assertTransportInput(payload, aad, this.#limits);
    const ephemeral = createECDH("prime256v1");
    const ephemeralPublicKey = ephemeral.generateKeys();
    const sharedSecret = ephemeral.computeSecret(recipient);
    try {
      return sealWithSharedSecret({ sharedSecret, ephemeralPublicKey, recipientPublicKey: recipient, payload, aad });
    } finally {
      sharedSecret.fill(0);
    }
  }

  async openFromPeer(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const parts = parseSealed(sealed, this.#limits);
    assertTransportInput(parts.ciphertext, aad, this.#limits);
    const sharedSecret = this.#transport.computeSecret(parts.ephemeralPublicKey);
    try {
      return openWithSharedSecret(parts, sharedSecret, this.#transportPublic, aad);
    } finally {
      sharedSecret.fill(0);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new KeyManagerClosedError();
  }
}
