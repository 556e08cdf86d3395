/**
 * Token provisioning for a bank: creates (or finds) the bank's token, sets its SO and user PINs, and
 * generates the three keys inside it, each only if its label is not there yet, so re-running never
 * replaces a key (the chain address and the published transport key stay the same). Works with any
 * PKCS#11 module; for SoftHSM2 `writeSoftHsmConf` gives each bank its own token directory.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pkcs11js from "pkcs11js";
import { hexlify } from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { HsmKeyNotFoundError, HsmOperationError, HsmTokenNotFoundError, type KeyRole } from "./errors.ts";
import { IDENTITY_KEY_ID } from "./key-manager.ts";
import { Secp256k1PublicKey } from "./secp256k1.ts";
import { toCompressedP256 } from "./transport-format.ts";
import { assertLabel, DEFAULT_KEY_LABELS, type Pkcs11KeyLabels } from "./pkcs11/config.ts";
import {
  ecKeyPairTemplates,
  findObjects,
  getEcKeyPair,
  findRecordKey,
  recordKeyLabel,
  recordKeyTemplate,
  P256_PARAMS,
  SECP256K1_PARAMS,
} from "./pkcs11/keys.ts";
import { acquireModule } from "./pkcs11/module-registry.ts";
import { toHsmError } from "./pkcs11/rv.ts";
import { findTokenSlot, login, normaliseLabel, padTokenLabel } from "./pkcs11/token.ts";

export interface ProvisionOptions {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly soPin: string;
  readonly userPin: string;
  readonly keyLabels?: Partial<Pkcs11KeyLabels>;
  /** SoftHSM2 only: the softhsm2.conf to initialise the module with. */
  readonly softhsm2Conf?: string;
}

export type KeyOutcome = "created" | "existing";

export interface ProvisionResult {
  readonly tokenLabel: string;
  readonly tokenCreated: boolean;
  readonly keys: Readonly<Record<KeyRole, KeyOutcome>>;
  /** Chain address of the signing key. */
  readonly address: string;
  /** Transport public key, SEC1 compressed, 0x-hex: what the bank publishes in the ConsortiumRegistry. */
  readonly transportPublicKey: string;
}

const MIN_PIN = 4;
const MAX_PIN = 255;

/**
 * Writes `<confDir>/softhsm2.conf` pointing at `<confDir>/tokens` (kept as is if it already exists)
 * and returns its absolute path, to pass as `softhsm2Conf` / SOFTHSM2_CONF.
 */
export function writeSoftHsmConf(confDir: string): string {
  // The path goes into a line-based config file: a newline in it could add directives.
  if (typeof confDir !== "string" || confDir === "" || /[\r\n\0]/.test(confDir)) {
    throw new InvalidArgumentError("confDir", "must be a path without line breaks");
  }
  const dir = resolve(confDir);
  const tokens = join(dir, "tokens");
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, "softhsm2.conf");
  if (!existsSync(conf)) {
    writeFileSync(
      conf,
      `# kycnet: SoftHSM2 token store of one bank\ndirectories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
      { mode: 0o600 },
    );
  }
  return conf;
}

export async function provisionToken(options: ProvisionOptions): Promise<ProvisionResult> {
  assertLabel(options.tokenLabel, "tokenLabel");
  assertPin(options.soPin, "soPin");
  assertPin(options.userPin, "userPin");
  const labels = { ...DEFAULT_KEY_LABELS, ...options.keyLabels };
  for (const role of ["signing", "kek", "transport"] as const) assertLabel(labels[role], `keyLabels.${role}`);
  const identityKeyLabel = recordKeyLabel(labels.kek, IDENTITY_KEY_ID);

  const module = acquireModule(options.modulePath, options.softhsm2Conf);
  try {
    // It creates token objects: alone on the module (token-gate.ts) among this process's key
    // managers; another process (a node beside `kycnet token init`) is not held back by it.
    return await module.gate.run(true, async () => provisionOn(module.pkcs11, options, labels, identityKeyLabel));
  } finally {
    module.release();
  }
}

function provisionOn(
  p: pkcs11js.PKCS11,
  options: ProvisionOptions,
  labels: Pkcs11KeyLabels,
  identityKeyLabel: string,
): ProvisionResult {
  let slot = findTokenSlot(p, options.tokenLabel);
  const tokenCreated = slot === null;
  if (slot === null) slot = initialiseToken(p, options.tokenLabel, options.soPin, options.userPin);
  const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  let loggedIn = false;
  try {
    loggedIn = login(p, session, options.tokenLabel, "user", options.userPin);
    const keys = {
      signing: ensure(p, session, "signing", labels.signing, () =>
        generateEcPair(p, session, labels.signing, SECP256K1_PARAMS, "sign"),
      ),
      // The node's own long-lived record key (its sealed libp2p key); the vault's per-period
      // record keys are created by the key manager when their period starts.
      kek: ensure(p, session, "kek", identityKeyLabel, () =>
        generate(() =>
          p.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, recordKeyTemplate(identityKeyLabel)),
        ),
      ),
      transport: ensure(p, session, "transport", labels.transport, () =>
        generateEcPair(p, session, labels.transport, P256_PARAMS, "derive"),
      ),
    };
    // Read everything back through the same checks the key manager applies.
    const signing = getEcKeyPair(p, session, "signing", labels.signing, SECP256K1_PARAMS, "sign");
    if (findRecordKey(p, session, identityKeyLabel) === null) throw new HsmKeyNotFoundError("kek", identityKeyLabel);
    const transport = getEcKeyPair(p, session, "transport", labels.transport, P256_PARAMS, "derive");
    return {
      tokenLabel: options.tokenLabel,
      tokenCreated,
      keys,
      address: new Secp256k1PublicKey(signing.publicPoint).address,
      transportPublicKey: hexlify(toCompressedP256(transport.publicPoint)),
    };
  } finally {
    // A key manager of this process logged in already: its login is left as it was.
    if (loggedIn) {
      try {
        p.C_Logout(session);
      } catch {
        // Logged out meanwhile: nothing to undo.
      }
    }
    p.C_CloseSession(session);
  }
}

/** Initialises the first free slot's token with the label and SO PIN, then sets the user PIN. */
function initialiseToken(p: pkcs11js.PKCS11, tokenLabel: string, soPin: string, userPin: string): Buffer {
  const free = p.C_GetSlotList(true).find((s) => (p.C_GetTokenInfo(s).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
  if (free === undefined) throw new HsmOperationError("initialise token", "NO_FREE_SLOT");
  try {
    p.C_InitToken(free, soPin, padTokenLabel(tokenLabel));
  } catch (error) {
    throw toHsmError("C_InitToken", error);
  }
  // SoftHSM2 renumbers slots after initialising a token: look it up again by label.
  const slot = findTokenSlot(p, tokenLabel);
  if (slot === null) throw new HsmTokenNotFoundError(normaliseLabel(tokenLabel));
  const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    login(p, session, tokenLabel, "so", soPin);
    p.C_InitPIN(session, userPin);
    p.C_Logout(session);
  } catch (error) {
    throw toHsmError("C_InitPIN", error);
  } finally {
    p.C_CloseSession(session);
  }
  return slot;
}

/** Generates the key only when no private/secret object carries its label yet. */
function ensure(
  p: pkcs11js.PKCS11,
  session: Buffer,
  role: KeyRole,
  label: string,
  generateKey: () => void,
): KeyOutcome {
  const objectClass = role === "kek" ? pkcs11js.CKO_SECRET_KEY : pkcs11js.CKO_PRIVATE_KEY;
  if (findObjects(p, session, objectClass, label).length > 0) return "existing";
  generateKey();
  return "created";
}

function generateEcPair(
  p: pkcs11js.PKCS11,
  session: Buffer,
  label: string,
  curve: Buffer,
  usage: "sign" | "derive",
): void {
  const templates = ecKeyPairTemplates(label, curve, usage);
  generate(() =>
    p.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      templates.publicKey,
      templates.privateKey,
    ),
  );
}

function generate(call: () => unknown): void {
  try {
    call();
  } catch (error) {
    throw toHsmError("generate key", error);
  }
}

function assertPin(pin: unknown, field: string): asserts pin is string {
  if (typeof pin !== "string" || pin.length < MIN_PIN || pin.length > MAX_PIN) {
    throw new InvalidArgumentError(field, `must be ${MIN_PIN} to ${MAX_PIN} characters`);
  }
}
