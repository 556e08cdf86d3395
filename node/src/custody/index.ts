/**
 * Public surface of custody: the `KeyManager` port, its two adapters, provisioning and the errors.
 * Other modules import from here, never from an adapter's internals.
 */
export type { DigestSignature, KeyManager, PayloadLimits, SealedRecord } from "./key-manager.ts";
export { DEFAULT_LIMITS } from "./key-manager.ts";
export * from "./errors.ts";
export { KeyManagerSigner } from "./signer.ts";
export { MemoryKeyManager, type MemoryKeyManagerOptions } from "./memory/memory-key-manager.ts";
export { openPkcs11KeyManager, Pkcs11KeyManager } from "./pkcs11/pkcs11-key-manager.ts";
export {
  DEFAULT_KEY_LABELS, DEFAULT_MODULE_PATH, pkcs11ConfigFromEnv, type Pkcs11Config, type Pkcs11KeyLabels,
} from "./pkcs11/config.ts";
export { provisionToken, writeSoftHsmConf, type ProvisionOptions, type ProvisionResult } from "./provision.ts";
