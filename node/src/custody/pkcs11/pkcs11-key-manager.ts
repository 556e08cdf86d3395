/**
 * The PKCS#11 `KeyManager`: every private or secret key operation runs inside the token.
 *
 * - signing: `CKM_ECDSA` over the digest with the secp256k1 private key, raw r || s out, then low-s
 *   and the recovery bit in secp256k1.ts;
 * - records: a fresh AES-256 data key is generated *in the token* as a session object (sensitive:
 *   its value can never be read in clear), wrapped by the KEK with `CKM_AES_KEY_WRAP` (RFC 3394),
 *   used for `CKM_AES_GCM` with the record id as associated data, then destroyed. Opening unwraps
 *   it into a non-extractable session key, decrypts, destroys. Neither the KEK nor any data key
 *   is ever in this process's memory;
 * - transport: `CKM_ECDH1_DERIVE` in the token (ephemeral session key pair to seal, the static
 *   transport key to open). SoftHSM2 has no in-token HKDF (CKM_HKDF_DERIVE is PKCS#11 3.0), so the
 *   one-message ECDH secret is read out of its session object, run through HKDF-SHA256 here and
 *   wiped; the long-term transport key never leaves the token.
 */
import pkcs11js from "pkcs11js";
import { randomBytes } from "node:crypto";
import type { AbstractSigner, Provider } from "ethers";
import { CiphertextRejectedError, KeyManagerClosedError } from "../errors.ts";
import { assertEnvelope, assertRecordPlaintext, GCM_IV_BYTES, GCM_TAG_BYTES, recordAad } from "../envelope-format.ts";
import {
  DEFAULT_LIMITS,
  type DigestSignature,
  type KeyManager,
  type KeyOperationObserver,
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
import { resolveConfig, type Pkcs11Config, type Pkcs11KeyLabels } from "./config.ts";
import { decodeEcPoint, getEcKeyPair, getKek, P256_PARAMS, SECP256K1_PARAMS } from "./keys.ts";
import { acquireModule, type LoadedModule } from "./module-registry.ts";
import { rvOf, toHsmError } from "./rv.ts";
import { SessionPool } from "./session-pool.ts";
import { getTokenSlot, login } from "./token.ts";

const A = pkcs11js;

/** Opens the bank's token, logs in once, finds and checks the three keys, and opens the session pool. */
export async function openPkcs11KeyManager(config: Pkcs11Config): Promise<Pkcs11KeyManager> {
  const { labels, sessions } = resolveConfig(config);
  const module = acquireModule(config.modulePath, config.softhsm2Conf);
  let pool: SessionPool | null = null;
  try {
    const slot = getTokenSlot(module.pkcs11, config.tokenLabel);
    pool = SessionPool.open(module.pkcs11, slot, sessions, (first) =>
      login(module.pkcs11, first, config.tokenLabel, "user", config.pin),
    );
    const keys = await pool.use((session) => ({
      signing: getEcKeyPair(module.pkcs11, session, "signing", labels.signing, SECP256K1_PARAMS, "sign"),
      kek: getKek(module.pkcs11, session, labels.kek),
      transport: getEcKeyPair(module.pkcs11, session, "transport", labels.transport, P256_PARAMS, "derive"),
    }));
    const limits = { ...DEFAULT_LIMITS, ...config.limits };
    return new Pkcs11KeyManager(module, pool, labels, keys, limits, config.onOperation);
  } catch (error) {
    await pool?.close();
    module.release();
    throw error;
  }
}

interface TokenKeys {
  readonly signing: { privateKey: Buffer; publicPoint: Uint8Array };
  readonly kek: Buffer;
  readonly transport: { privateKey: Buffer; publicPoint: Uint8Array };
}

export class Pkcs11KeyManager implements KeyManager {
  readonly #module: LoadedModule;
  readonly #pool: SessionPool;
  readonly #labels: Pkcs11KeyLabels;
  readonly #keys: TokenKeys;
  readonly #signingPublicKey: Secp256k1PublicKey;
  readonly #limits: PayloadLimits;
  readonly #observe: KeyOperationObserver;
  #closed = false;

  constructor(
    module: LoadedModule,
    pool: SessionPool,
    labels: Pkcs11KeyLabels,
    keys: TokenKeys,
    limits: PayloadLimits,
    onOperation: KeyOperationObserver = () => undefined,
  ) {
    this.#module = module;
    this.#pool = pool;
    this.#labels = labels;
    this.#keys = keys;
    this.#signingPublicKey = new Secp256k1PublicKey(keys.signing.publicPoint);
    this.#limits = limits;
    this.#observe = onOperation;
  }

  /** Sessions in the pool (operations the token runs at once). */
  get sessionCount(): number {
    return this.#pool.size;
  }

  get #p(): pkcs11js.PKCS11 {
    return this.#module.pkcs11;
  }

  async getAddress(): Promise<string> {
    this.#assertOpen();
    return this.#signingPublicKey.address;
  }

  async signDigest(digest: Uint8Array): Promise<DigestSignature> {
    this.#assertOpen();
    assertDigest(digest);
    const raw = await this.#pool.use(async (session) => {
      try {
        this.#p.C_SignInit(session, { mechanism: A.CKM_ECDSA }, this.#keys.signing.privateKey);
        const signature = await this.#p.C_SignAsync(session, Buffer.from(digest), Buffer.alloc(72));
        this.#observe("sign");
        return signature;
      } catch (error) {
        throw toHsmError("sign", error);
      }
    });
    return this.#signingPublicKey.toEthereumSignature(digest, raw);
  }

  createSigner(provider: Provider | null = null): AbstractSigner {
    return new KeyManagerSigner(this, provider);
  }

  async sealRecord(recordId: string, plaintext: Uint8Array): Promise<SealedRecord> {
    this.#assertOpen();
    const aad = Buffer.from(recordAad(recordId, this.#limits));
    assertRecordPlaintext(plaintext, this.#limits);
    const iv = randomBytes(GCM_IV_BYTES);
    return this.#pool.use(async (session) => {
      let dataKey: Buffer;
      try {
        dataKey = await this.#p.C_GenerateKeyAsync(session, { mechanism: A.CKM_AES_KEY_GEN }, dataKeyTemplate());
      } catch (error) {
        throw toHsmError("generate data key", error);
      }
      try {
        const wrappedKey = await this.#p.C_WrapKeyAsync(
          session,
          { mechanism: A.CKM_AES_KEY_WRAP },
          this.#keys.kek,
          dataKey,
          Buffer.alloc(64),
        );
        this.#p.C_EncryptInit(session, gcm(iv, aad), dataKey);
        // An empty record is a valid GCM input, but single-part C_Encrypt gets a NULL data pointer
        // for it (CKR_ARGUMENTS_BAD in SoftHSM2): finish the operation instead, which emits the tag.
        const sealed =
          plaintext.length === 0
            ? this.#p.C_EncryptFinal(session, Buffer.alloc(GCM_TAG_BYTES))
            : await this.#p.C_EncryptAsync(
                session,
                Buffer.from(plaintext),
                Buffer.alloc(plaintext.length + GCM_TAG_BYTES),
              );
        this.#observe("wrap");
        return {
          version: 1,
          keyId: this.#labels.kek,
          wrapAlgorithm: "AES-KW-256",
          wrappedKey: new Uint8Array(wrappedKey),
          iv: new Uint8Array(iv),
          ciphertext: new Uint8Array(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)),
          tag: new Uint8Array(sealed.subarray(sealed.length - GCM_TAG_BYTES)),
        } satisfies SealedRecord;
      } catch (error) {
        throw toHsmError("seal record", error);
      } finally {
        this.#destroy(session, dataKey);
      }
    });
  }

  async openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array> {
    this.#assertOpen();
    const aad = Buffer.from(recordAad(recordId, this.#limits));
    assertEnvelope(envelope, this.#limits);
    if (envelope.keyId !== this.#labels.kek) throw new CiphertextRejectedError("sealed record");
    const input = Buffer.concat([envelope.ciphertext, envelope.tag]);
    return this.#pool.use(async (session) => {
      let dataKey: Buffer;
      try {
        dataKey = await this.#p.C_UnwrapKeyAsync(
          session,
          { mechanism: A.CKM_AES_KEY_WRAP },
          this.#keys.kek,
          Buffer.from(envelope.wrappedKey),
          unwrappedKeyTemplate(),
        );
      } catch (error) {
        // AES key wrap carries an integrity check: a wrapped key that is not ours fails here.
        throw rejectedOrHsmError("unwrap data key", error);
      }
      try {
        this.#p.C_DecryptInit(session, gcm(Buffer.from(envelope.iv), aad), dataKey);
        const plaintext = await this.#p.C_DecryptAsync(session, input, Buffer.alloc(input.length));
        this.#observe("unwrap");
        return new Uint8Array(plaintext);
      } catch (error) {
        throw rejectedOrHsmError("decrypt record", error);
      } finally {
        this.#destroy(session, dataKey);
      }
    });
  }

  async getTransportPublicKey(): Promise<Uint8Array> {
    this.#assertOpen();
    return toCompressedP256(this.#keys.transport.publicPoint);
  }

  async sealForPeer(peerPublicKey: Uint8Array, payload: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const recipient = toUncompressedP256(peerPublicKey);
    assertTransportInput(payload, aad, this.#limits);
    const { sharedSecret, ephemeralPublicKey } = await this.#pool.use(async (session) => {
      let pair: pkcs11js.KeyPair;
      try {
        pair = await this.#p.C_GenerateKeyPairAsync(
          session,
          { mechanism: A.CKM_EC_KEY_PAIR_GEN },
          ephemeralPublicTemplate(),
          ephemeralPrivateTemplate(),
        );
      } catch (error) {
        throw toHsmError("generate ephemeral key", error);
      }
      try {
        const point = this.#p.C_GetAttributeValue(session, pair.publicKey, [{ type: A.CKA_EC_POINT }])[0]!.value;
        const ephemeral = decodeEcPoint(point, "transport", "ephemeral");
        return { sharedSecret: await this.#derive(session, pair.privateKey, recipient), ephemeralPublicKey: ephemeral };
      } catch (error) {
        throw toHsmError("derive transport key", error);
      } finally {
        this.#destroy(session, pair.privateKey);
        this.#destroy(session, pair.publicKey);
      }
    });
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
    const sharedSecret = await this.#pool.use((session) =>
      this.#derive(session, this.#keys.transport.privateKey, Buffer.from(parts.ephemeralPublicKey)),
    );
    try {
      return openWithSharedSecret(parts, sharedSecret, this.#keys.transport.publicPoint, aad);
    } finally {
      sharedSecret.fill(0);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pool.close();
    } finally {
      this.#module.release();
    }
  }

  /** ECDH in the token into a short-lived session secret; returns its value (x-coordinate) and destroys it. */
  async #derive(session: Buffer, privateKey: Buffer, peerPoint: Buffer): Promise<Buffer> {
    let secret: Buffer;
    try {
      secret = await this.#p.C_DeriveKeyAsync(
        session,
        {
          mechanism: A.CKM_ECDH1_DERIVE,
          parameter: { type: A.CK_PARAMS_EC_DH, kdf: A.CKD_NULL, publicData: peerPoint } as pkcs11js.ECDH1,
        },
        privateKey,
        derivedSecretTemplate(),
      );
    } catch (error) {
      throw toHsmError("ECDH derive", error);
    }
    this.#observe("ecdh");
    try {
      return Buffer.from(this.#p.C_GetAttributeValue(session, secret, [{ type: A.CKA_VALUE }])[0]!.value);
    } catch (error) {
      throw toHsmError("read derived secret", error);
    } finally {
      this.#destroy(session, secret);
    }
  }

  #destroy(session: Buffer, handle: Buffer): void {
    try {
      this.#p.C_DestroyObject(session, handle);
    } catch {
      // A session object dies with its session anyway; a failed destroy leaks nothing past close().
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new KeyManagerClosedError();
  }
}

/**
 * What a module answers when a wrapped key or a GCM tag does not check out (SoftHSM2 says
 * CKR_GENERAL_ERROR for a bad GCM tag; PKCS#11 3.0 modules say CKR_AEAD_DECRYPT_FAILED). Anything
 * else (a dead session, a removed token) stays an HSM failure, not "tampered data".
 */
const AUTHENTICATION_FAILURES = new Set([
  "CKR_WRAPPED_KEY_INVALID",
  "CKR_WRAPPED_KEY_LEN_RANGE",
  "CKR_ENCRYPTED_DATA_INVALID",
  "CKR_ENCRYPTED_DATA_LEN_RANGE",
  "CKR_GENERAL_ERROR",
  "CKR_AEAD_DECRYPT_FAILED",
  "CKR_FUNCTION_FAILED",
]);

function rejectedOrHsmError(operation: string, error: unknown): Error {
  return AUTHENTICATION_FAILURES.has(rvOf(error))
    ? new CiphertextRejectedError("sealed record", error)
    : toHsmError(operation, error);
}

function gcm(iv: Buffer, aad: Buffer): pkcs11js.Mechanism {
  return {
    mechanism: A.CKM_AES_GCM,
    parameter: {
      type: A.CK_PARAMS_AES_GCM_v240,
      iv,
      ivBits: GCM_IV_BYTES * 8,
      aad,
      tagBits: GCM_TAG_BYTES * 8,
    } as pkcs11js.IParams,
  };
}

/** A per-record data key: session-only, never readable in clear, extractable only so the KEK can wrap it. */
function dataKeyTemplate(): pkcs11js.Template {
  return [
    { type: A.CKA_CLASS, value: A.CKO_SECRET_KEY },
    { type: A.CKA_KEY_TYPE, value: A.CKK_AES },
    { type: A.CKA_VALUE_LEN, value: 32 },
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_PRIVATE, value: true },
    { type: A.CKA_SENSITIVE, value: true },
    { type: A.CKA_EXTRACTABLE, value: true },
    { type: A.CKA_ENCRYPT, value: true },
    { type: A.CKA_DECRYPT, value: false },
  ];
}

/** An unwrapped data key: session-only, decrypt only, cannot be wrapped out again. */
function unwrappedKeyTemplate(): pkcs11js.Template {
  return [
    { type: A.CKA_CLASS, value: A.CKO_SECRET_KEY },
    { type: A.CKA_KEY_TYPE, value: A.CKK_AES },
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_PRIVATE, value: true },
    { type: A.CKA_SENSITIVE, value: true },
    { type: A.CKA_EXTRACTABLE, value: false },
    { type: A.CKA_DECRYPT, value: true },
    { type: A.CKA_ENCRYPT, value: false },
  ];
}

function ephemeralPublicTemplate(): pkcs11js.Template {
  return [
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_EC_PARAMS, value: P256_PARAMS },
  ];
}

function ephemeralPrivateTemplate(): pkcs11js.Template {
  return [
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_PRIVATE, value: true },
    { type: A.CKA_SENSITIVE, value: true },
    { type: A.CKA_EXTRACTABLE, value: false },
    { type: A.CKA_DERIVE, value: true },
  ];
}

/** The one-message ECDH output: must be readable, because HKDF runs outside SoftHSM2. */
function derivedSecretTemplate(): pkcs11js.Template {
  return [
    { type: A.CKA_CLASS, value: A.CKO_SECRET_KEY },
    { type: A.CKA_KEY_TYPE, value: A.CKK_GENERIC_SECRET },
    { type: A.CKA_VALUE_LEN, value: 32 },
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_SENSITIVE, value: false },
    { type: A.CKA_EXTRACTABLE, value: true },
  ];
}
