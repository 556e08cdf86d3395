/**
 * One loaded, initialised PKCS#11 library per module path per process. A library may only be
 * `C_Initialize`d once at a time, so key managers and the provisioner share it through this
 * reference-counted registry; the last release finalises and unloads it (SoftHSM2 then re-reads its
 * SOFTHSM2_CONF on the next initialisation).
 */
import pkcs11js from "pkcs11js";
import { HsmModuleBusyError, HsmModuleNotFoundError } from "../errors.ts";
import { rvOf, toHsmError } from "./rv.ts";
import { TokenGate } from "./token-gate.ts";

export interface LoadedModule {
  readonly pkcs11: pkcs11js.PKCS11;
  readonly modulePath: string;
  /** Shared by every holder: operations that create or destroy token objects run alone. */
  readonly gate: TokenGate;
  /** Drops this holder's reference; the last one finalises the library. */
  release(): void;
}

interface Entry {
  readonly pkcs11: pkcs11js.PKCS11;
  readonly softhsm2Conf: string | undefined;
  readonly gate: TokenGate;
  refs: number;
}

const loaded = new Map<string, Entry>();

export function acquireModule(modulePath: string, softhsm2Conf?: string): LoadedModule {
  let entry = loaded.get(modulePath);
  if (entry) {
    if (softhsm2Conf !== undefined && entry.softhsm2Conf !== softhsm2Conf) {
      throw new HsmModuleBusyError(modulePath, "already initialised with another SOFTHSM2_CONF in this process");
    }
  } else {
    entry = { pkcs11: load(modulePath, softhsm2Conf), softhsm2Conf, gate: new TokenGate(), refs: 0 };
    loaded.set(modulePath, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    pkcs11: held.pkcs11,
    modulePath,
    gate: held.gate,
    release() {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs > 0) return;
      loaded.delete(modulePath);
      try {
        held.pkcs11.C_Finalize();
      } finally {
        held.pkcs11.close();
      }
    },
  };
}

function load(modulePath: string, softhsm2Conf: string | undefined): pkcs11js.PKCS11 {
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(modulePath);
  } catch (cause) {
    throw new HsmModuleNotFoundError(modulePath, cause);
  }
  // SoftHSM2 reads SOFTHSM2_CONF when it initialises; other modules ignore it.
  if (softhsm2Conf !== undefined) process.env.SOFTHSM2_CONF = softhsm2Conf;
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (rvOf(error) !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") {
      pkcs11.close();
      throw toHsmError("C_Initialize", error);
    }
  }
  return pkcs11;
}
