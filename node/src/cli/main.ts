/**
 * `kycnet` command line: one program, one sub-command module per capability
 * (node/src/cli/commands/*.ts). Each module exports `register(program)`; this file only wires them.
 * Exit codes: 0 success, 1 a check failed (e.g. an audit found a problem), 2 bad usage or input,
 * 3 an internal or environment error.
 */
import { Command, CommanderError } from "commander";
import { isKycnetError } from "../../../sdk/src/errors.ts";
import * as token from "./commands/token.ts";
import * as face from "./commands/face.ts";
import * as audit from "./commands/audit.ts";
import * as doc from "./commands/doc.ts";
import * as sanctions from "./commands/sanctions.ts";
import * as nodeCommands from "./commands/node.ts";
import * as apiKey from "./commands/api-key.ts";
import * as peer from "./commands/peer.ts";

const program = new Command("kycnet")
  .description("kycnet: shared-KYC ledger node, SDK tools and auditor CLI")
  .showHelpAfterError()
  .exitOverride();

// Sub-commands register here, one line each.
const modules: Array<{ register(program: Command): void }> = [token, face, audit, doc, sanctions, nodeCommands, apiKey, peer];
for (const m of modules) m.register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (isKycnetError(error)) {
    process.stderr.write(`kycnet: ${error.code}: ${error.message}\n`);
    process.exit(error.code === "INVALID_ARGUMENT" ? 2 : 3);
  }
  process.stderr.write(`kycnet: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(3);
}
