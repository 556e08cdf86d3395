/**
 * `kycnet sanctions check|screen`: validate sanctions list files before deploying them to a node,
 * and screen a name against them from the command line.
 *   kycnet sanctions check --un consolidated.xml --ofac-xml sdn.xml [--ofac-csv sdn.csv --ofac-alt alt.csv] [--json]
 *   kycnet sanctions screen --un consolidated.xml --name "Trần Văn Hùng" [--dob 1968-03-12] [--nationality VNM] [--threshold 0.9] [--json]
 * Exit codes (exit-codes.ts): 0 list valid / no hit, 1 screening found hits, 2 bad list file or
 * bad input, 3 environment errors.
 */
import type { Command } from "commander";
import { InvalidArgumentError, isKycnetError } from "@kycnet/sdk/errors";
import { IndexedSanctionsList } from "../../ekyc/checks/sanctions/indexed-list.ts";
import { loadSanctionsFiles, type SanctionsFileSpec } from "../../ekyc/checks/sanctions/loaders/load-file.ts";
import { assertUsableSnapshot } from "../../ekyc/checks/sanctions/snapshot.ts";
import type { SanctionsSnapshot } from "../../ekyc/checks/sanctions/port.ts";
import { answer } from "../exit-codes.ts";
import { colour, printJson, renderFacts, renderTable } from "../output.ts";

interface ListOptions {
  un?: string[];
  ofacXml?: string[];
  ofacCsv?: string;
  ofacAlt?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function specsOf(options: ListOptions): SanctionsFileSpec[] {
  const specs: SanctionsFileSpec[] = [
    ...(options.un ?? []).map((path) => ({ format: "UN_CONSOLIDATED_XML" as const, path })),
    ...(options.ofacXml ?? []).map((path) => ({ format: "OFAC_SDN_XML" as const, path })),
  ];
  if (options.ofacCsv !== undefined)
    specs.push({
      format: "OFAC_SDN_CSV",
      path: options.ofacCsv,
      ...(options.ofacAlt ? { altPath: options.ofacAlt } : {}),
    });
  else if (options.ofacAlt !== undefined) throw new InvalidArgumentError("--ofac-alt", "needs --ofac-csv");
  if (specs.length === 0) throw new InvalidArgumentError("list", "give at least one of --un, --ofac-xml, --ofac-csv");
  return specs;
}

/** List-file errors are bad input (exit 2), whatever their code. */
async function load(options: ListOptions): Promise<SanctionsSnapshot> {
  try {
    const snapshot = await loadSanctionsFiles(specsOf(options));
    assertUsableSnapshot(snapshot);
    return snapshot;
  } catch (error) {
    if (isKycnetError(error) && error.code.startsWith("SANCTIONS_LIST_"))
      throw new InvalidArgumentError("list", `${error.code}: ${error.message}`, { cause: error });
    if (error instanceof Error && "code" in error && (error as { code: unknown }).code === "ENOENT") {
      throw new InvalidArgumentError("list", `file not found: ${(error as { path?: string }).path ?? ""}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function withListOptions(command: Command): Command {
  return command
    .option("--un <file>", "UN Security Council consolidated list XML (repeatable)", collect)
    .option("--ofac-xml <file>", "OFAC SDN XML (sdn.xml) (repeatable)", collect)
    .option("--ofac-csv <file>", "OFAC SDN CSV (sdn.csv)")
    .option("--ofac-alt <file>", "OFAC alt.csv aliases for --ofac-csv");
}

export function register(program: Command): void {
  const sanctions = program
    .command("sanctions")
    .description("sanctions lists (UN consolidated, OFAC SDN): validate files, screen names");

  withListOptions(
    sanctions.command("check").description("parse and validate list files; print their versions and entry counts"),
  )
    .option("--json", "print the result as JSON")
    .action(async (options: ListOptions & { json?: boolean }) => {
      const snapshot = await load(options);
      const individuals = snapshot.entries.filter((e) => e.kind === "INDIVIDUAL").length;
      const summary = {
        version: snapshot.version,
        entries: snapshot.entries.length,
        individuals,
        entities: snapshot.entries.length - individuals,
        aliases: snapshot.entries.reduce((n, e) => n + e.names.length - 1, 0),
      };
      if (options.json === true) printJson(summary);
      else process.stdout.write(`${renderFacts(summary)}\n`);
      answer(true);
    });

  withListOptions(sanctions.command("screen").description("screen one name against the lists"))
    .requiredOption("--name <name>", "full name, any order, with or without diacritics")
    .option("--dob <YYYY-MM-DD>", "date of birth (tie-breaker)")
    .option("--nationality <ISO3>", "nationality, ISO 3166-1 alpha-3 (tie-breaker)")
    .option("--threshold <score>", "hit threshold in (0, 1]")
    .option("--json", "print the result as JSON")
    .action(
      async (
        options: ListOptions & { name: string; dob?: string; nationality?: string; threshold?: string; json?: boolean },
      ) => {
        const threshold = options.threshold === undefined ? undefined : Number(options.threshold);
        if (threshold !== undefined && Number.isNaN(threshold))
          throw new InvalidArgumentError("--threshold", "must be a number");
        const list = new IndexedSanctionsList(await load(options));
        const result = list.screen(
          {
            fullName: options.name,
            ...(options.dob ? { dateOfBirth: options.dob } : {}),
            ...(options.nationality ? { nationality: options.nationality } : {}),
          },
          threshold === undefined ? {} : { threshold },
        );
        if (options.json === true) printJson(result);
        else if (result.hits.length === 0)
          process.stdout.write(
            `${colour.green("No hit")} (list ${result.listVersion}, threshold ${result.threshold})\n`,
          );
        else {
          process.stdout.write(
            `${renderTable(result.hits.map((h) => ({ entry: h.entryId, reference: h.reference, "matched name": h.matchedName, name: h.nameScore, score: h.score, dob: h.dateOfBirth, nationality: h.nationality })))}\n`,
          );
        }
        answer(result.hits.length === 0);
      },
    );
}
