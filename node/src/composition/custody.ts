/** Opens the node's key manager from config: the PKCS#11 token, or in-process keys in development only. */
import { KycnetError } from "@kycnet/sdk/errors";
import type { NodeConfig } from "../config.ts";
import type { KeyManager, KeyOperationObserver } from "../custody/key-manager.ts";
import { MemoryKeyManager } from "../custody/memory/memory-key-manager.ts";
import { openPkcs11KeyManager } from "../custody/pkcs11/pkcs11-key-manager.ts";

/** `onOperation` hears of every token operation (the node counts them); the memory keys have no token to report. */
export async function openKeys(config: NodeConfig, onOperation?: KeyOperationObserver): Promise<KeyManager> {
  const custody = config.custody;
  if (custody.kind === "memory") {
    if (process.env.KYCNET_ALLOW_MEMORY_KEYS !== "1") {
      throw new KycnetError(
        "CONFIG_INVALID",
        "custody.kind memory keeps keys in process memory: development only (set KYCNET_ALLOW_MEMORY_KEYS=1)",
      );
    }
    return new MemoryKeyManager();
  }
  const pin = process.env[custody.pinEnv];
  if (pin === undefined || pin === "") {
    throw new KycnetError("CONFIG_INVALID", `the HSM PIN variable ${custody.pinEnv} is not set`, {
      details: { variable: custody.pinEnv },
    });
  }
  return openPkcs11KeyManager({
    modulePath: custody.modulePath,
    tokenLabel: custody.tokenLabel,
    pin,
    ...(custody.softhsm2Conf === undefined ? {} : { softhsm2Conf: custody.softhsm2Conf }),
    ...(custody.sessions === undefined ? {} : { sessions: custody.sessions }),
    ...(custody.keyLabels === undefined ? {} : { keyLabels: custody.keyLabels }),
    ...(onOperation === undefined ? {} : { onOperation }),
  });
}
