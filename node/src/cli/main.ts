/**
 * `kycnet` command line: one program, one sub-command module per capability
 * (node/src/cli/commands/*.ts). Each module exports `register(program)`; this file only wires them
 * and turns what escapes a command into the exit-code convention of ./exit-codes.ts (0 positive,
 * 1 negative, 2 usage, 3 environment), with a one-line message and never a stack trace.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { isKycnetError } from "@kycnet/sdk/errors";
import { ExitCode, exitCodeOf } from "./exit-codes.ts";
import { printJson } from "./output.ts";

const packageJson = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command("kycnet")
  .description("kycnet: shared-KYC ledger node, SDK tools and auditor CLI")
  .addHelpText(
    "after",
    [
      "",
      "Exit codes (every command): 0 positive result, 1 negative result (a finding, a reject, a hit),",
      "  2 bad usage or input, 3 environment (chain, HSM, files, ports).",
      "--json (every command): one JSON document on stdout, pretty-printed with two spaces;",
      '  on failure {"error": {"code", "message"}} (and the message on stderr).',
      "Colours only when stdout is a terminal and NO_COLOR is unset; progress on stderr, only on a terminal.",
    ].join("\n"),
  )
  .version(packageJson.version, "-V, --version", "print the kycnet version")
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
  dev: () => import("./commands/dev.ts"),
  dsr: () => import("./commands/dsr.ts"),
};
const wanted = process.argv[2];
const load = wanted !== undefined && Object.hasOwn(modules, wanted) ? [modules[wanted]!] : Object.values(modules);
// One module may register several top-level commands (node, vault): register each module once.
for (const m of new Set(await Promise.all(load.map((l) => l())))) m.register(program);

const jsonWanted = process.argv.includes("--json");

function fail(code: string, message: string, exitCode: number): never {
  process.stderr.write(`kycnet: ${code}: ${message}\n`);
  if (jsonWanted) printJson({ error: { code, message } });
  process.exit(exitCode);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here with exit code 0; commander has already printed its message.
    if (error.exitCode === 0) process.exit(ExitCode.POSITIVE);
    if (jsonWanted) printJson({ error: { code: "USAGE", message: error.message.replace(/^error: /, "") } });
    process.exit(ExitCode.USAGE);
  }
  if (isKycnetError(error)) fail(error.code, error.message, exitCodeOf(error));
  fail("INTERNAL", error instanceof Error ? error.message : String(error), ExitCode.ENVIRONMENT);
}
