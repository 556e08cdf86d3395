/**
 * In-memory `KeyManager` for fast unit tests and local demos: the same contract as the PKCS#11
 * adapter, keys held in process memory (ethers `SigningKey`, node:crypto). Never for production:
 * nothing here is protected from the process that holds it.
 */
import { createCipheriv, createDecipheriv, createECDH, randomBytes, type ECDH } from "node:crypto";
import { SigningKey, getBytes, hexlify, type AbstractSigner, type Provider } from "ethers";
import { CiphertextRejectedError, KeyManagerClosedError } from "../errors.ts";
import {
  assertEnvelope,
  assertRecordKeyId,
  assertRecordPlaintext,
  GCM_IV_BYTES,
  recordAad,
} from "../envelope-format.ts";
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
  deriveMessageKey,
  gcmOpenInNode,
  gcmSealInNode,
  layoutSealed,
  messageKeyContext,
  parseSealed,
  toCompressedP256,
  toUncompressedP256,
  TRANSPORT_IV_BYTES,
} from "../transport-format.ts";

export interface MemoryKeyManagerOptions {
  /** 32-byte secp256k1 private key as hex; random when omitted. */
  readonly signingPrivateKey?: string;
  readonly limits?: Partial<PayloadLimits>;
  /** Record keys by id; pass one map to several managers to model one HSM shared by them. */
  readonly recordKeys?: Map<string, Buffer>;
}

export class MemoryKeyManager implements KeyManager {
  readonly #signingKey: SigningKey;
  readonly #publicKey: Secp256k1PublicKey;
  /** Record keys by id: deleting one is this fake's "destroy in the HSM". */
  readonly #recordKeys: Map<string, Buffer>;
  readonly #transport: ECDH;
  readonly #transportPublic: Buffer;
  readonly #limits: PayloadLimits;
  #closed = false;

  constructor(options: MemoryKeyManagerOptions = {}) {
    this.#signingKey = new SigningKey(options.signingPrivateKey ?? hexlify(randomBytes(32)));
    this.#publicKey = new Secp256k1PublicKey(getBytes(this.#signingKey.publicKey));
    this.#transport = createECDH("prime256v1");
    this.#transport.generateKeys();
    this.#transportPublic = this.#transport.getPublicKey();
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#recordKeys = options.recordKeys ?? new Map<string, Buffer>();
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

  async sealRecord(recordId: string, plaintext: Uint8Array, keyId: string): Promise<SealedRecord> {
    this.#assertOpen();
    const aad = recordAad(recordId, this.#limits);
    assertRecordPlaintext(plaintext, this.#limits);
    assertRecordKeyId(keyId);
    let key = this.#recordKeys.get(keyId);
    if (key === undefined) {
      key = randomBytes(32);
      this.#recordKeys.set(keyId, key);
    }
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      version: 2,
      keyId,
      iv: new Uint8Array(iv),
      ciphertext: new Uint8Array(ciphertext),
      tag: new Uint8Array(cipher.getAuthTag()),
    };
  }

  async openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array> {
    this.#assertOpen();
    const aad = recordAad(recordId, this.#limits);
    assertEnvelope(envelope, this.#limits);
    const key = this.#recordKeys.get(envelope.keyId);
    if (key === undefined) throw new CiphertextRejectedError("sealed record");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, envelope.iv, { authTagLength: 16 }).setAAD(aad);
      decipher.setAuthTag(envelope.tag);
      return new Uint8Array(Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]));
    } catch (cause) {
      throw new CiphertextRejectedError("sealed record", cause);
    }
  }

  async listRecordKeys(): Promise<string[]> {
    this.#assertOpen();
    return [...this.#recordKeys.keys()].sort();
  }

  async destroyRecordKey(keyId: string): Promise<void> {
    this.#assertOpen();
    assertRecordKeyId(keyId);
    this.#recordKeys.get(keyId)?.fill(0);
    this.#recordKeys.delete(keyId);
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
    const key = this.#messageKey(ephemeral, recipient, ephemeralPublicKey, recipient);
    try {
      const iv = randomBytes(TRANSPORT_IV_BYTES);
      const { ciphertext, tag } = gcmSealInNode(key, iv, payload, aad);
      return layoutSealed({ ephemeralPublicKey, iv, ciphertext, tag });
    } finally {
      key.fill(0);
    }
  }

  async openFromPeer(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const parts = parseSealed(sealed, this.#limits);
    assertTransportInput(parts.ciphertext, aad, this.#limits);
    const key = this.#messageKey(
      this.#transport,
      parts.ephemeralPublicKey,
      parts.ephemeralPublicKey,
      this.#transportPublic,
    );
    try {
      return gcmOpenInNode(key, parts, aad);
    } finally {
      key.fill(0);
    }
  }

  /** ECDH with `own` against `peer`, then the format's key derivation (transport-format.ts). */
  #messageKey(own: ECDH, peer: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Buffer {
    const sharedSecret = own.computeSecret(peer);
    try {
      return deriveMessageKey(sharedSecret, messageKeyContext(ephemeralPublicKey, recipientPublicKey));
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
