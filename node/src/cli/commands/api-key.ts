/**
 * `kycnet api-key new --id <id> --role operator|reviewer|auditor|core-banking [--json]`: make an API key for the
 * node's HTTP API. Prints the key once (hand it to its holder; it is not stored anywhere) and the
 * config entry that holds only its SHA-256 (add it to the node config's `api.apiKeys`).
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { generateApiKey, ROLES, validateApiKeys } from "../../api/auth.ts";
import type { Role } from "../../onboarding/ports.ts";
import { colour, printJson, renderFacts } from "../output.ts";

export function register(program: Command): void {
  const apiKey = program.command("api-key").description("API keys for the node's HTTP API");
  apiKey
    .command("new")
    .description("generate a key for one operator, reviewer, auditor or core-banking system")
    .requiredOption("--id <id>", "key id, names the holder in audit entries (A-Z a-z 0-9 . _ -)")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .option("--json", "print {key, entry} as JSON")
    .action((options: { id: string; role: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(options.role))
        throw new InvalidArgumentError("--role", `must be one of ${ROLES.join(", ")}`);
      const { key, entry } = generateApiKey(options.id, options.role as Role);
      validateApiKeys([entry]);
      if (options.json) {
        printJson({ key, entry });
        return;
      }
      process.stdout.write(`${renderFacts({ id: entry.id, role: entry.role, key })}\n`);
      process.stdout.write(
        `${colour.dim("add to the node config's api.apiKeys (only the hash is stored):")}\n${JSON.stringify(entry)}\n`,
      );
    });
}
