/**
 * The PKCS#11 `KeyManager`: every private or secret key operation runs inside the token, and no
 * secret ever comes out of it, wrapped or not.
 *
 * - signing: `CKM_ECDSA` over the digest with the secp256k1 private key, raw r || s out, then low-s
 *   and the recovery bit in secp256k1.ts;
 * - records: `CKM_AES_GCM` in the token under the record key of the caller's `keyId` (label
 *   `<kek prefix>/<keyId>`, a token object created on first use: sensitive, never extractable,
 *   encrypt/decrypt only), the record id as associated data. There are no data keys to wrap or
 *   unwrap: pkcs11js cannot set `CKA_UNWRAP_TEMPLATE`, and a KEK without one lets the PIN holder
 *   unwrap any data key as extractable. `destroyRecordKey` is `C_DestroyObject`;
 * - transport: `CKM_ECDH1_DERIVE` (`CKD_NULL`, the only KDF SoftHSM2 2.6 accepts) into a sensitive,
 *   non-extractable AES key, `CKM_AES_CBC_ENCRYPT_DATA` from it to the message key (same
 *   attributes), `CKM_AES_GCM` under that; all session objects, destroyed after the message.
 */
import pkcs11js from "pkcs11js";
import { randomBytes } from "node:crypto";
import type { AbstractSigner, Provider } from "ethers";
import { CiphertextRejectedError, KeyManagerClosedError } from "../errors.ts";
import {
  assertEnvelope,
  assertRecordKeyId,
  assertRecordPlaintext,
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
  recordAad,
} from "../envelope-format.ts";
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
  KDF_IV,
  layoutSealed,
  messageKeyContext,
  parseSealed,
  toCompressedP256,
  toUncompressedP256,
  transportAad,
  TRANSPORT_IV_BYTES,
  TRANSPORT_TAG_BYTES,
  type SealedParts,
} from "../transport-format.ts";
import { resolveConfig, type Pkcs11Config, type Pkcs11KeyLabels } from "./config.ts";
import {
  decodeEcPoint,
  findObjects,
  findRecordKey,
  getEcKeyPair,
  listSecretKeyLabels,
  P256_PARAMS,
  recordKeyLabel,
  recordKeyTemplate,
  SECP256K1_PARAMS,
} from "./keys.ts";
import { acquireModule, type LoadedModule } from "./module-registry.ts";
import { rvOf, toHsmError } from "./rv.ts";
import { SessionPool } from "./session-pool.ts";
import { getTokenSlot, login } from "./token.ts";

const A = pkcs11js;

/** Opens the bank's token, logs in once, finds and checks the two key pairs, and opens the session pool. */
export async function openPkcs11KeyManager(config: Pkcs11Config): Promise<Pkcs11KeyManager> {
  const { labels, sessions } = resolveConfig(config);
  const module = acquireModule(config.modulePath, config.softhsm2Conf);
  let pool: SessionPool | null = null;
  try {
    // Finding the token, opening sessions and logging in read the token's files: through the gate
    // too (token-gate.ts).
    pool = await module.gate.run(false, async () =>
      SessionPool.open(module, getTokenSlot(module.pkcs11, config.tokenLabel), sessions, (first) => {
        login(module.pkcs11, first, config.tokenLabel, "user", config.pin);
      }),
    );
    const keys = await pool.use((session) => ({
      signing: getEcKeyPair(module.pkcs11, session, "signing", labels.signing, SECP256K1_PARAMS, "sign"),
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
  readonly transport: { privateKey: Buffer; publicPoint: Uint8Array };
}

export class Pkcs11KeyManager implements KeyManager {
  readonly #module: LoadedModule;
  readonly #pool: SessionPool;
  readonly #labels: Pkcs11KeyLabels;
  readonly #keys: TokenKeys;
  readonly #signingPublicKey: Secp256k1PublicKey;
  readonly #limits: PayloadLimits;
  /** Record key handles by id, and creations in flight (two seals must not create the key twice). */
  readonly #recordKeys = new Map<string, Promise<Buffer | null>>();
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

  async sealRecord(recordId: string, plaintext: Uint8Array, keyId: string): Promise<SealedRecord> {
    this.#assertOpen();
    const aad = Buffer.from(recordAad(recordId, this.#limits));
    assertRecordPlaintext(plaintext, this.#limits);
    assertRecordKeyId(keyId);
    const iv = randomBytes(GCM_IV_BYTES);
    return this.#withRecordKey(keyId, true, (session, key) =>
      this.#sealInToken(session, key, keyId, iv, aad, plaintext),
    );
  }

  async #sealInToken(
    session: Buffer,
    key: Buffer,
    keyId: string,
    iv: Buffer,
    aad: Buffer,
    plaintext: Uint8Array,
  ): Promise<SealedRecord> {
    try {
      this.#p.C_EncryptInit(session, gcm(iv, aad), key);
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
      const envelope = {
        version: 2,
        keyId,
        iv: new Uint8Array(iv),
        ciphertext: new Uint8Array(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)),
        tag: new Uint8Array(sealed.subarray(sealed.length - GCM_TAG_BYTES)),
      } satisfies SealedRecord;
      this.#observe("seal");
      return envelope;
    } catch (error) {
      throw toHsmError("seal record", error);
    }
  }

  async openRecord(recordId: string, envelope: SealedRecord): Promise<Uint8Array> {
    this.#assertOpen();
    const aad = Buffer.from(recordAad(recordId, this.#limits));
    assertEnvelope(envelope, this.#limits);
    const input = Buffer.concat([envelope.ciphertext, envelope.tag]);
    return this.#withRecordKey(envelope.keyId, false, async (session, key) => {
      try {
        this.#p.C_DecryptInit(session, gcm(Buffer.from(envelope.iv), aad), key);
        const plaintext = await this.#p.C_DecryptAsync(session, input, Buffer.alloc(input.length));
        this.#observe("open");
        return new Uint8Array(plaintext);
      } catch (error) {
        throw rejectedOrHsmError("decrypt record", error);
      }
    });
  }

  async listRecordKeys(): Promise<string[]> {
    this.#assertOpen();
    const prefix = recordKeyLabel(this.#labels.kek, "");
    const labels = await this.#pool.use((session) => listSecretKeyLabels(this.#p, session, prefix));
    return labels.map((label) => label.slice(prefix.length));
  }

  async destroyRecordKey(keyId: string): Promise<void> {
    this.#assertOpen();
    assertRecordKeyId(keyId);
    const label = recordKeyLabel(this.#labels.kek, keyId);
    await this.#recordKeys.get(keyId)?.catch(() => null);
    this.#recordKeys.delete(keyId);
    await this.#pool.useAlone((session) => {
      for (const handle of findObjects(this.#p, session, A.CKO_SECRET_KEY, label)) {
        try {
          this.#p.C_DestroyObject(session, handle);
        } catch (error) {
          throw toHsmError(`destroy record key ${label}`, error);
        }
      }
    });
  }

  /**
   * Runs `operation` with the handle of record key `keyId` (CIPHERTEXT_REJECTED when it does not
   * exist and `create` is false). Another manager may have destroyed the key since its handle was
   * cached: the stale handle is then dropped and the key looked up (or created) once more.
   */
  async #withRecordKey<T>(
    keyId: string,
    create: boolean,
    operation: (session: Buffer, key: Buffer) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const key = await this.#recordKey(keyId, create);
      if (key === null) throw new CiphertextRejectedError("sealed record");
      try {
        return await this.#pool.use((session) => operation(session, key));
      } catch (error) {
        if (!STALE_HANDLE.has(rvOf(error)) || attempt > 0) throw error;
        this.#recordKeys.delete(keyId);
      }
    }
  }

  /** The record key `keyId`: cached handle, found on the token, or (when `create`) generated there. */
  #recordKey(keyId: string, create: boolean): Promise<Buffer | null> {
    const cached = this.#recordKeys.get(keyId);
    if (cached !== undefined) return cached.then((key) => (key === null && create ? this.#createKey(keyId) : key));
    const label = recordKeyLabel(this.#labels.kek, keyId);
    const found = this.#pool
      .use((session) => findRecordKey(this.#p, session, label))
      .then((existing) => (existing !== null || !create ? existing : this.#generateRecordKey(label)));
    // Only known keys are cached: a missing key may be created later by a seal.
    const remembered = found.then((key) => {
      if (key === null) this.#recordKeys.delete(keyId);
      return key;
    });
    this.#recordKeys.set(keyId, remembered);
    remembered.catch(() => this.#recordKeys.delete(keyId));
    return remembered;
  }

  /** Creates the record key `label` alone on the token (see session-pool.ts), unless another process just did. */
  #generateRecordKey(label: string): Promise<Buffer> {
    return this.#pool.useAlone(async (session) => {
      const existing = findRecordKey(this.#p, session, label);
      if (existing !== null) return existing;
      try {
        return await this.#p.C_GenerateKeyAsync(session, { mechanism: A.CKM_AES_KEY_GEN }, recordKeyTemplate(label));
      } catch (error) {
        throw toHsmError(`generate record key ${label}`, error);
      }
    });
  }

  #createKey(keyId: string): Promise<Buffer | null> {
    this.#recordKeys.delete(keyId);
    return this.#recordKey(keyId, true);
  }

  async getTransportPublicKey(): Promise<Uint8Array> {
    this.#assertOpen();
    return toCompressedP256(this.#keys.transport.publicPoint);
  }

  async sealForPeer(peerPublicKey: Uint8Array, payload: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const recipient = toUncompressedP256(peerPublicKey);
    assertTransportInput(payload, aad, this.#limits);
    const iv = randomBytes(TRANSPORT_IV_BYTES);
    return this.#pool.use(async (session) => {
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
        const ephemeralPublicKey = decodeEcPoint(point, "transport", "ephemeral");
        const key = await this.#messageKey(session, pair.privateKey, recipient, ephemeralPublicKey, recipient);
        try {
          this.#p.C_EncryptInit(session, gcm(iv, transportAad(aad)), key);
          const sealed =
            payload.length === 0
              ? this.#p.C_EncryptFinal(session, Buffer.alloc(TRANSPORT_TAG_BYTES))
              : await this.#p.C_EncryptAsync(
                  session,
                  Buffer.from(payload),
                  Buffer.alloc(payload.length + TRANSPORT_TAG_BYTES),
                );
          const cut = sealed.length - TRANSPORT_TAG_BYTES;
          return layoutSealed({
            ephemeralPublicKey,
            iv,
            ciphertext: sealed.subarray(0, cut),
            tag: sealed.subarray(cut),
          });
        } finally {
          this.#destroy(session, key);
        }
      } catch (error) {
        throw toHsmError("seal for peer", error);
      } finally {
        this.#destroy(session, pair.privateKey);
        this.#destroy(session, pair.publicKey);
      }
    });
  }

  async openFromPeer(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const parts = parseSealed(sealed, this.#limits);
    assertTransportInput(parts.ciphertext, aad, this.#limits);
    const own = this.#keys.transport;
    return this.#pool.use(async (session) => {
      const key = await this.#messageKey(
        session,
        own.privateKey,
        Buffer.from(parts.ephemeralPublicKey),
        parts.ephemeralPublicKey,
        own.publicPoint,
      );
      try {
        return await this.#gcmOpen(session, key, parts, aad);
      } finally {
        this.#destroy(session, key);
      }
    });
  }

  async #gcmOpen(session: Buffer, key: Buffer, parts: SealedParts, aad: Uint8Array): Promise<Uint8Array> {
    const input = Buffer.concat([parts.ciphertext, parts.tag]);
    try {
      this.#p.C_DecryptInit(session, gcm(Buffer.from(parts.iv), transportAad(aad)), key);
      return new Uint8Array(await this.#p.C_DecryptAsync(session, input, Buffer.alloc(input.length)));
    } catch (error) {
      if (AUTHENTICATION_FAILURES.has(rvOf(error))) throw new CiphertextRejectedError("sealed message", error);
      throw toHsmError("open from peer", error);
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

  /**
   * ECDH in the token into a sensitive, non-extractable AES key Z, then the message key derived from
   * Z in the token (`CKM_AES_CBC_ENCRYPT_DATA` over the format's context, see transport-format.ts).
   * Z is destroyed at once; the caller destroys the returned message key after its one use.
   */
  async #messageKey(
    session: Buffer,
    privateKey: Buffer,
    peerPoint: Buffer,
    ephemeralPublicKey: Uint8Array,
    recipientPublicKey: Uint8Array,
  ): Promise<Buffer> {
    let shared: Buffer;
    try {
      shared = await this.#p.C_DeriveKeyAsync(
        session,
        {
          mechanism: A.CKM_ECDH1_DERIVE,
          parameter: { type: A.CK_PARAMS_EC_DH, kdf: A.CKD_NULL, publicData: peerPoint } as pkcs11js.ECDH1,
        },
        privateKey,
        inTokenSecretTemplate("derive"),
      );
    } catch (error) {
      throw toHsmError("ECDH derive", error);
    }
    this.#observe("ecdh");
    try {
      return await this.#p.C_DeriveKeyAsync(
        session,
        {
          mechanism: A.CKM_AES_CBC_ENCRYPT_DATA,
          parameter: {
            type: A.CK_PARAMS_AES_CBC,
            iv: KDF_IV,
            data: messageKeyContext(ephemeralPublicKey, recipientPublicKey),
          } as pkcs11js.IParams,
        },
        shared,
        inTokenSecretTemplate("crypt"),
      );
    } catch (error) {
      throw toHsmError("derive message key", error);
    } finally {
      this.#destroy(session, shared);
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

/** What a module answers for a handle whose object was destroyed (by another manager or process). */
const STALE_HANDLE = new Set(["CKR_KEY_HANDLE_INVALID", "CKR_OBJECT_HANDLE_INVALID"]);

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

/**
 * A one-message secret in the token (the ECDH result Z, then the message key): a session object,
 * sensitive and never extractable, usable only for the next derivation or for GCM.
 */
function inTokenSecretTemplate(use: "derive" | "crypt"): pkcs11js.Template {
  return [
    { type: A.CKA_CLASS, value: A.CKO_SECRET_KEY },
    { type: A.CKA_KEY_TYPE, value: A.CKK_AES },
    { type: A.CKA_VALUE_LEN, value: 32 },
    { type: A.CKA_TOKEN, value: false },
    { type: A.CKA_PRIVATE, value: true },
    { type: A.CKA_SENSITIVE, value: true },
    { type: A.CKA_EXTRACTABLE, value: false },
    { type: A.CKA_DERIVE, value: use === "derive" },
    { type: A.CKA_ENCRYPT, value: use === "crypt" },
    { type: A.CKA_DECRYPT, value: use === "crypt" },
  ];
}
