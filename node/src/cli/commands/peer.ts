/**
 * `kycnet peer init`: loads or creates this bank's libp2p identity (exchange/identity.ts), an
 * Ed25519 key stored only sealed under the HSM's KEK in `--key-file` (its folder is created), and
 * prints the peer id to publish in ConsortiumRegistry (genesis member list or an UPDATE_ENDPOINT
 * proposal). The HSM is named by flags, each defaulting to its environment variable; the PIN comes
 * only from KYCNET_HSM_PIN (never a flag: it would land in shell history and `ps`).
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { hexlify } from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { DEFAULT_MODULE_PATH, pkcs11ConfigFromEnv } from "../../custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../custody/pkcs11/pkcs11-key-manager.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "../../exchange/identity.ts";
import { printJson } from "../output.ts";

interface InitOptions {
  keyFile: string;
  tokenLabel?: string;
  module?: string;
  softhsm2Conf?: string;
  json?: boolean;
}

const ENVIRONMENT_HELP = `
Environment:
  KYCNET_HSM_PIN                  the token's user PIN (required)
  KYCNET_HSM_TOKEN_LABEL          default of --token-label
  KYCNET_HSM_MODULE               default of --module (${DEFAULT_MODULE_PATH})
  SOFTHSM2_CONF                   default of --softhsm2-conf (SoftHSM2 only)
  KYCNET_HSM_KEK_LABEL            label of the key-encryption key (default kycnet/kek)

Example:
  KYCNET_HSM_PIN=... kycnet peer init --token-label bank-a \\
    --softhsm2-conf .kycnet/softhsm/softhsm2.conf --key-file data/bank-a/peer-key.json`;

export function register(program: Command): void {
  const peer = program.command("peer").description("libp2p identity of this bank's node (record exchange)");
  peer
    .command("init")
    .description("create the sealed peer key if missing (idempotent) and print the peer id to publish on chain")
    .requiredOption("--key-file <path>", "file holding the peer key sealed by the HSM KEK (its folder is created)")
    .option("--token-label <label>", "the bank's HSM token (default: $KYCNET_HSM_TOKEN_LABEL)")
    .option("--module <path>", "PKCS#11 module path (default: $KYCNET_HSM_MODULE or SoftHSM2's)")
    .option("--softhsm2-conf <file>", "SoftHSM2: the token's softhsm2.conf (default: $SOFTHSM2_CONF)")
    .option("--json", "print the result as JSON")
    .addHelpText("after", ENVIRONMENT_HELP)
    .action(async (options: InitOptions) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...(options.tokenLabel === undefined ? {} : { KYCNET_HSM_TOKEN_LABEL: options.tokenLabel }),
        ...(options.module === undefined ? {} : { KYCNET_HSM_MODULE: options.module }),
        ...(options.softhsm2Conf === undefined ? {} : { SOFTHSM2_CONF: resolve(options.softhsm2Conf) }),
      };
      if (!env.KYCNET_HSM_TOKEN_LABEL)
        throw new InvalidArgumentError("--token-label", "give it, or set KYCNET_HSM_TOKEN_LABEL");
      if (!env.KYCNET_HSM_PIN) throw new InvalidArgumentError("KYCNET_HSM_PIN", "must be set in the environment");
      const keyFile = resolve(options.keyFile);
      try {
        await mkdir(dirname(keyFile), { recursive: true });
      } catch (cause) {
        throw new InvalidArgumentError("--key-file", `cannot create the folder ${dirname(keyFile)}`, { cause });
      }
      const keys = await openPkcs11KeyManager(pkcs11ConfigFromEnv(env));
      try {
        const identity = await loadOrCreatePeerKey({ keys, ...peerKeyFile(keyFile) });
        const result = {
          peerId: identity.peerId.toString(),
          peerIdBytes: hexlify(identity.peerIdBytes),
          created: identity.created,
          keyFile,
        };
        if (options.json === true) printJson(result);
        else
          process.stdout.write(
            [
              `peerId:      ${result.peerId} (${result.created ? "created" : "existing"})`,
              `peerIdBytes: ${result.peerIdBytes}   <- publish this in ConsortiumRegistry`,
              `keyFile:     ${result.keyFile}`,
            ].join("\n") + "\n",
          );
      } finally {
        await keys.close();
      }
    });
}
