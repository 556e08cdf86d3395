/**
 * `kycnet token init`: provisions a bank's HSM token (node/src/custody/provision.ts). PINs come from
 * KYCNET_HSM_SO_PIN and KYCNET_HSM_PIN, never from the command line (they would land in shell
 * history and `ps`). Prints the chain address and the transport public key to publish.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { DEFAULT_KEY_LABELS, DEFAULT_MODULE_PATH } from "../../custody/pkcs11/config.ts";
import { provisionToken, writeSoftHsmConf } from "../../custody/provision.ts";
import { printJson } from "../output.ts";

interface InitOptions {
  label: string;
  confDir?: string;
  module: string;
  signingKeyLabel: string;
  kekLabel: string;
  transportKeyLabel: string;
  json?: boolean;
}

export function register(program: Command): void {
  const token = program.command("token").description("HSM token of this bank (PKCS#11)");
  token
    .command("init")
    .description("create the bank's token if missing and generate its keys inside it (idempotent)")
    .requiredOption("--label <bank>", "token label (at most 32 characters)")
    .option("--conf-dir <dir>", "SoftHSM2: directory for this bank's softhsm2.conf and token store")
    .option("--module <path>", "PKCS#11 module path", process.env.KYCNET_HSM_MODULE ?? DEFAULT_MODULE_PATH)
    .option("--signing-key-label <label>", "label of the secp256k1 chain key", DEFAULT_KEY_LABELS.signing)
    .option("--kek-label <label>", "label of the AES-256 key-encryption key", DEFAULT_KEY_LABELS.kek)
    .option("--transport-key-label <label>", "label of the P-256 transport key", DEFAULT_KEY_LABELS.transport)
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nEnvironment (never flags: they would land in shell history and ps):\n" +
        "  KYCNET_HSM_SO_PIN   the token's security-officer PIN (required)\n" +
        "  KYCNET_HSM_PIN      the token's user PIN (required)\n" +
        "  KYCNET_HSM_MODULE   default of --module\n" +
        "  SOFTHSM2_CONF       SoftHSM2's configuration when --conf-dir is not given",
    )
    .action(async (options: InitOptions) => {
      const soPin = requiredEnv("KYCNET_HSM_SO_PIN");
      const userPin = requiredEnv("KYCNET_HSM_PIN");
      const softhsm2Conf =
        options.confDir === undefined ? process.env.SOFTHSM2_CONF : writeSoftHsmConf(options.confDir);
      const result = await provisionToken({
        modulePath: options.module,
        tokenLabel: options.label,
        soPin,
        userPin,
        keyLabels: { signing: options.signingKeyLabel, kek: options.kekLabel, transport: options.transportKeyLabel },
        ...(softhsm2Conf === undefined ? {} : { softhsm2Conf }),
      });
      if (options.json) {
        printJson({ ...result, softhsm2Conf: softhsm2Conf ?? null });
        return;
      }
      const lines = [
        `token:              ${result.tokenLabel} (${result.tokenCreated ? "created" : "existing"})`,
        `keys:               signing ${result.keys.signing}, kek ${result.keys.kek}, transport ${result.keys.transport}`,
        `address:            ${result.address}`,
        `transportPublicKey: ${result.transportPublicKey}`,
        ...(softhsm2Conf === undefined ? [] : [`SOFTHSM2_CONF=${softhsm2Conf}`]),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new InvalidArgumentError(name, "must be set in the environment");
  return value;
}
