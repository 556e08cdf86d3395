/**
 * `kycnet` command line: one program, one sub-command module per capability
 * (node/src/cli/commands/*.ts). Each module exports `register(program)`; this file only wires them.
 * Exit codes: 0 success, 1 a check failed (e.g. an audit found a problem), 2 bad usage or input,
 * 3 an internal or environment error.
 */
import { Command, CommanderError } from "commander";
import { isKycnetError } from "@kycnet/sdk/errors";

const program = new Command("kycnet")
  .description("kycnet: shared-KYC ledger node, SDK tools and auditor CLI")
  .showHelpAfterError()
  .exitOverride();

type CommandModule = { register(program: Command): void };
// Sub-commands by top-level name, one line each. Only the module a run needs is loaded (the others
// pull in ONNX, OCR or PKCS#11 libraries): `kycnet audit ...` starts in a fraction of the time.
const modules: Record<string, () => Promise<CommandModule>> = {
  token: () => import("./commands/token.ts"),
  face: () => import("./commands/face.ts"),
  audit: () => import("./commands/audit.ts"),
  doc: () => import("./commands/doc.ts"),
  sanctions: () => import("./commands/sanctions.ts"),
  node: () => import("./commands/node.ts"),
  vault: () => import("./commands/node.ts"),
  "api-key": () => import("./commands/api-key.ts"),
  peer: () => import("./commands/peer.ts"),
  chip: () => import("./commands/chip.ts"),
};
const wanted = process.argv[2];
const load = wanted !== undefined && Object.hasOwn(modules, wanted) ? [modules[wanted]!] : Object.values(modules);
// One module may register several top-level commands (node, vault): register each module once.
for (const m of new Set(await Promise.all(load.map((l) => l())))) m.register(program);

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
