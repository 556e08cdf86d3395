/**
 * `kycnet peer init`: loads or creates this bank's libp2p identity (exchange/identity.ts), an
 * Ed25519 key stored only sealed under the HSM's KEK in `--key-file`, and prints the peer id to
 * publish in ConsortiumRegistry (genesis member list or an UPDATE_ENDPOINT proposal). HSM settings
 * come from the environment (KYCNET_HSM_TOKEN_LABEL, KYCNET_HSM_PIN, SOFTHSM2_CONF, ...).
 */
import type { Command } from "commander";
import { hexlify } from "ethers";
import { pkcs11ConfigFromEnv } from "../../custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../custody/pkcs11/pkcs11-key-manager.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "../../exchange/identity.ts";

export function register(program: Command): void {
  const peer = program.command("peer").description("libp2p identity of this bank's node (record exchange)");
  peer
    .command("init")
    .description("create the sealed peer key if missing (idempotent) and print the peer id to publish on chain")
    .requiredOption("--key-file <path>", "file holding the peer key sealed by the HSM KEK")
    .option("--json", "print the result as JSON")
    .action(async (options: { keyFile: string; json?: boolean }) => {
      const keys = await openPkcs11KeyManager(pkcs11ConfigFromEnv());
      try {
        const identity = await loadOrCreatePeerKey({ keys, ...peerKeyFile(options.keyFile) });
        const result = {
          peerId: identity.peerId.toString(),
          peerIdBytes: hexlify(identity.peerIdBytes),
          created: identity.created,
          keyFile: options.keyFile,
        };
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : [
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
