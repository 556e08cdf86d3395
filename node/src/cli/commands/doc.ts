/**
 * `kycnet doc read <front> [<back>] [--json] [--now YYYY-MM-DD]`: reads a CCCD from photos (QR,
 * MRZ, printed text), cross-checks the sources and reports fields, disagreements, tamper signals
 * and timings. Exit codes (exit-codes.ts): 0 read and nothing flagged, 1 read but flagged for
 * review (a signal ≥ 0.5) or expired, 2 bad input (unreadable file, not an image, too large,
 * no card), 3 engine/environment errors.
 */
import { open } from "node:fs/promises";
import type { Command } from "commander";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { DEFAULT_IMAGE_LIMITS } from "../../ekyc/document/image.ts";
import { createDocumentEngines, isFlagged, readDocument, type DocumentResult } from "../../ekyc/document/index.ts";
import { isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";
import { answer } from "../exit-codes.ts";
import { colour, printJson, renderFacts, renderTable } from "../output.ts";

/** Reads at most the byte limit (+1 to detect overflow) so a huge file is never loaded whole. */
async function readBounded(file: string, label: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (cause) {
    throw new InvalidArgumentError(label, `cannot read ${file}`, { cause });
  }
  try {
    const limit = DEFAULT_IMAGE_LIMITS.maxBytes;
    const size = (await handle.stat()).size;
    if (size > limit)
      throw new InvalidArgumentError(label, `DOCUMENT_IMAGE_TOO_LARGE: ${file} has ${size} bytes, limit ${limit}`);
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } finally {
    await handle.close();
  }
}

// The reading failures that are the input's fault (exit code 2); typed so that a renamed code fails tsc.
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "DOCUMENT_IMAGE_INVALID",
  "DOCUMENT_IMAGE_TOO_LARGE",
  "DOCUMENT_IMAGE_TOO_SMALL",
  "DOCUMENT_NOT_FOUND",
]);

function printHuman(result: DocumentResult): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(colour.bold(`Document: ${result.documentType ?? "unknown"}`));
  out(
    renderTable(
      Object.entries(result.fields).map(([name, f]) => ({
        field: name,
        value: f.value === "" ? null : f.value,
        source: f.source,
        agreement:
          f.agreement === "disagree"
            ? colour.red(f.agreement)
            : f.agreement === "agree"
              ? colour.green(f.agreement)
              : f.agreement,
      })),
    ),
  );
  if (result.disagreements.length > 0)
    out(renderTable(result.disagreements.map((d) => ({ field: d.field, reason: d.reason }))));
  out(
    result.signals.length === 0
      ? colour.green("No signals.")
      : renderTable(
          result.signals.map((s) => ({
            signal: s.score >= 0.5 ? colour.red(s.code) : colour.yellow(s.code),
            score: s.score,
            reason: s.reason,
          })),
        ),
  );
  out(
    renderFacts({
      expired: result.checks.expired,
      age: result.checks.ageYears,
      adult: result.checks.adult,
      ...Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, `${v} ms`])),
    }),
  );
}

export function register(program: Command): void {
  const doc = program
    .command("doc")
    .description("ID document verification (Vietnamese CCCD: QR, MRZ, printed text, tamper signals)");
  doc
    .command("read <front> [back]")
    .description("read a card from photos of its front and (optionally) back")
    .option("--json", "machine-readable output")
    .option("--now <date>", "reference date for expiry and age (YYYY-MM-DD)")
    .option("--no-ocr", "skip printed-text OCR (QR and MRZ only)")
    .action(
      async (
        frontFile: string,
        backFile: string | undefined,
        opts: { json?: boolean; now?: string; ocr?: boolean },
      ) => {
        const now = opts.now === undefined ? new Date() : new Date(`${opts.now}T00:00:00Z`);
        if (Number.isNaN(now.getTime())) throw new InvalidArgumentError("--now", "must be a date YYYY-MM-DD");
        const front = await readBounded(frontFile, "front");
        const back = backFile === undefined ? undefined : await readBounded(backFile, "back");
        const engines = await createDocumentEngines();
        let result: DocumentResult;
        try {
          result = await readDocument(back === undefined ? { front } : { front, back }, {
            engines,
            now,
            skipOcr: opts.ocr === false,
          });
        } catch (error) {
          if (isKycnetError(error) && INPUT_ERRORS.has(error.code))
            throw new InvalidArgumentError("image", `${error.code}: ${error.message}`, { cause: error });
          throw error;
        } finally {
          await engines.close();
        }
        if (opts.json === true) printJson(result);
        else printHuman(result);
        answer(!isFlagged(result) && !result.checks.expired);
      },
    );
}
