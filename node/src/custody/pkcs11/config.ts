/**
 * Configuration of the PKCS#11 adapter. Module path, token label, key labels and the PIN come from
 * config or the environment, never from code; the PIN is only ever passed to `C_Login`.
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { KeyOperationObserver, PayloadLimits } from "../key-manager.ts";

export interface Pkcs11KeyLabels {
  /** secp256k1 key pair for chain transactions (private + public object share the label). */
  readonly signing: string;
  /** AES-256 key-encryption key wrapping per-record data keys. */
  readonly kek: string;
  /** P-256 key pair for transport ECDH (private + public object share the label). */
  readonly transport: string;
}

export const DEFAULT_KEY_LABELS: Pkcs11KeyLabels = Object.freeze({
  signing: "kycnet/signing",
  kek: "kycnet/kek",
  transport: "kycnet/transport",
});

export const DEFAULT_MODULE_PATH = "/usr/lib/softhsm/libsofthsm2.so";
export const DEFAULT_SESSION_COUNT = 4;
const MAX_SESSION_COUNT = 64;

export interface Pkcs11Config {
  /** Path of the vendor's PKCS#11 library (SoftHSM2 in dev/test). */
  readonly modulePath: string;
  /** Label of the bank's token. */
  readonly tokenLabel: string;
  /** User PIN. */
  readonly pin: string;
  readonly keyLabels?: Partial<Pkcs11KeyLabels>;
  /** Sessions in the pool, i.e. operations the token runs at once (default 4). */
  readonly sessions?: number;
  /** SoftHSM2 only: the softhsm2.conf to use; set as SOFTHSM2_CONF before the module initialises. */
  readonly softhsm2Conf?: string;
  readonly limits?: Partial<PayloadLimits>;
  /** Told of every completed token operation (the node counts them in `kycnet_hsm_operations_total`). */
  readonly onOperation?: KeyOperationObserver;
}

/**
 * Reads the adapter's configuration from the environment: KYCNET_HSM_MODULE, KYCNET_HSM_TOKEN_LABEL,
 * KYCNET_HSM_PIN, KYCNET_HSM_SESSIONS, KYCNET_HSM_SIGNING_KEY_LABEL, KYCNET_HSM_KEK_LABEL,
 * KYCNET_HSM_TRANSPORT_KEY_LABEL and (SoftHSM2) SOFTHSM2_CONF.
 */
export function pkcs11ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Pkcs11Config {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === "") throw new InvalidArgumentError(name, "must be set");
    return value;
  };
  const sessions = env.KYCNET_HSM_SESSIONS === undefined ? undefined : Number(env.KYCNET_HSM_SESSIONS);
  return {
    modulePath: env.KYCNET_HSM_MODULE ?? DEFAULT_MODULE_PATH,
    tokenLabel: required("KYCNET_HSM_TOKEN_LABEL"),
    pin: required("KYCNET_HSM_PIN"),
    keyLabels: {
      ...(env.KYCNET_HSM_SIGNING_KEY_LABEL ? { signing: env.KYCNET_HSM_SIGNING_KEY_LABEL } : {}),
      ...(env.KYCNET_HSM_KEK_LABEL ? { kek: env.KYCNET_HSM_KEK_LABEL } : {}),
      ...(env.KYCNET_HSM_TRANSPORT_KEY_LABEL ? { transport: env.KYCNET_HSM_TRANSPORT_KEY_LABEL } : {}),
    },
    ...(sessions === undefined ? {} : { sessions }),
    ...(env.SOFTHSM2_CONF ? { softhsm2Conf: env.SOFTHSM2_CONF } : {}),
  };
}

/** Checks a config's shape; returns the key labels and session count with defaults applied. */
export function resolveConfig(config: Pkcs11Config): { labels: Pkcs11KeyLabels; sessions: number } {
  if (typeof config.modulePath !== "string" || config.modulePath === "")
    throw new InvalidArgumentError("modulePath", "must be a non-empty path");
  assertLabel(config.tokenLabel, "tokenLabel");
  if (typeof config.pin !== "string" || config.pin === "") throw new InvalidArgumentError("pin", "must be set");
  const labels = { ...DEFAULT_KEY_LABELS, ...config.keyLabels };
  assertLabel(labels.signing, "keyLabels.signing");
  assertLabel(labels.kek, "keyLabels.kek");
  assertLabel(labels.transport, "keyLabels.transport");
  const sessions = config.sessions ?? DEFAULT_SESSION_COUNT;
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > MAX_SESSION_COUNT) {
    throw new InvalidArgumentError("sessions", `must be an integer from 1 to ${MAX_SESSION_COUNT}`);
  }
  return { labels, sessions };
}

/** Token labels are at most 32 bytes (CK_TOKEN_INFO); key labels we keep short and printable too. */
export function assertLabel(label: unknown, field: string): asserts label is string {
  if (typeof label !== "string" || label.length === 0)
    throw new InvalidArgumentError(field, "must be a non-empty string");
  if (Buffer.byteLength(label, "utf8") > 32) throw new InvalidArgumentError(field, "must be at most 32 bytes");
  if (!/^[\x20-\x7e]+$/.test(label) || label !== label.trim())
    throw new InvalidArgumentError(field, "must be printable ASCII without surrounding spaces");
}
