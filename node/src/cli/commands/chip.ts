/**
 * `kycnet chip verify <dir> --csca <pem-file-or-dir> [--json]`: verifies the elementary files read from
 * an ICAO 9303 chip (CCCD or passport): passive authentication against the CSCA trust list (PEM
 * certificates and CRLs, or an ICAO master list), and active authentication when a challenge and the
 * chip's answer are given. `<dir>` holds EF_COM.bin, EF_SOD.bin, EF_DG1.bin … (the `EF_` prefix and the
 * `.bin` suffix are optional, any case). Exit codes (exit-codes.ts): 0 valid, 1 invalid, 2 bad usage or unreadable input.
 */
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import {
  elementaryFileForName,
  isChipError,
  loadTrustStore,
  verifyChip,
  type ChipFiles,
  type ChipVerification,
} from "../../ekyc/document/chip/index.ts";
import { answer } from "../exit-codes.ts";
import { colour, printJson, renderFacts, renderTable } from "../output.ts";

/** Files are read up to this size: past it the verifier's own limits reject them with a reported failure. */
const READ_CAP = 1024 * 1024 + 1;

async function readCapped(file: string): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const size = Math.min((await handle.stat()).size, READ_CAP);
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
  } finally {
    await handle.close();
  }
}

/** The chip files of a directory by elementary file; other names are ignored, two names for one file are refused. */
export async function readChipDirectory(dir: string): Promise<ChipFiles> {
  const info = await stat(dir).catch((cause: unknown) => {
    throw new InvalidArgumentError("dir", `cannot read ${dir}`, { cause });
  });
  if (!info.isDirectory()) throw new InvalidArgumentError("dir", `${dir} is not a directory`);
  const files: ChipFiles = {};
  const seenAs = new Map<string, string>();
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const id = elementaryFileForName(entry.name);
    if (id === null || !entry.isFile()) continue;
    const earlier = seenAs.get(id);
    if (earlier !== undefined) throw new InvalidArgumentError("dir", `${earlier} and ${entry.name} both name ${id}`);
    seenAs.set(id, entry.name);
    files[id] = await readCapped(join(dir, entry.name)).catch((cause: unknown) => {
      throw new InvalidArgumentError("dir", `cannot read ${entry.name}`, { cause });
    });
  }
  if (Object.keys(files).length === 0)
    throw new InvalidArgumentError("dir", `no chip files (EF_SOD.bin, EF_DG1.bin, …) in ${dir}`);
  return files;
}

/** The one JSON object the CLI prints (the contract: status, failures, mrz, faceImage, documentSigner). */
export function chipReportJson(v: ChipVerification): Record<string, unknown> {
  // The portrait's bytes stay out of the report; its type and size are in faceImage.
  const { portrait: _portrait, status, failures, mrz, faceImage, documentSigner, ...rest } = v;
  return { status, failures, mrz, faceImage, documentSigner, ...rest };
}

function printHuman(v: ChipVerification): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(v.status === "VALID" ? colour.green(colour.bold("Chip: VALID")) : colour.red(colour.bold("Chip: INVALID")));
  out(
    renderTable(
      v.checks.map((c) => ({
        check: c.check,
        DG: c.dataGroup,
        outcome:
          c.outcome === "passed"
            ? colour.green(c.outcome)
            : c.outcome === "failed"
              ? colour.red(c.outcome)
              : colour.dim(c.outcome),
        code: c.code ?? null,
        detail: c.detail,
      })),
    ),
  );
  out(
    renderFacts({
      "document number": v.mrz?.documentNumber,
      "personal number": v.mrz?.optionalData,
      name: v.vietnamese?.fullName ?? (v.mrz === null ? null : `${v.mrz.surname} ${v.mrz.givenNames}`),
      "date of birth": v.mrz?.dateOfBirth,
      "expiry date": v.mrz?.expiryDate,
      portrait: v.faceImage === null ? null : `${v.faceImage.mime} ${v.faceImage.width}×${v.faceImage.height}`,
      "document signer": v.documentSigner?.subject,
      "DS serial": v.documentSigner?.serialNumber,
      CSCA: v.csca?.subject,
      "active authentication": v.activeAuthentication.performed
        ? v.activeAuthentication.valid
        : v.activeAuthentication.reason,
    }),
  );
}

export function register(program: Command): void {
  const chip = program.command("chip").description("ICAO 9303 chip verification (passive and active authentication)");
  chip
    .command("verify <dir>")
    .description("verify the elementary files read from a chip (EF_SOD.bin, EF_DG1.bin, EF_DG2.bin, …)")
    .requiredOption(
      "--csca <pem-file-or-dir>",
      "trusted CSCA certificates and CRLs (PEM or DER), or an ICAO master list",
    )
    .option("--json", "print one JSON object")
    .option("--now <date>", "time the certificates must be valid at (YYYY-MM-DD; default now)")
    .option("--aa-challenge <hex>", "the challenge sent to the chip for active authentication")
    .option("--aa-response <file>", "the chip's answer to --aa-challenge")
    .action(
      async (
        dir: string,
        opts: { csca: string; json?: boolean; now?: string; aaChallenge?: string; aaResponse?: string },
      ) => {
        const now = opts.now === undefined ? new Date() : new Date(`${opts.now}T00:00:00Z`);
        if (Number.isNaN(now.getTime())) throw new InvalidArgumentError("--now", "must be a date YYYY-MM-DD");
        if ((opts.aaChallenge === undefined) !== (opts.aaResponse === undefined)) {
          throw new InvalidArgumentError("--aa-challenge", "--aa-challenge and --aa-response go together");
        }
        const activeAuthentication =
          opts.aaChallenge === undefined || opts.aaResponse === undefined
            ? undefined
            : {
                challenge: hexArgument(opts.aaChallenge),
                response: await readCapped(opts.aaResponse).catch((cause: unknown) => {
                  throw new InvalidArgumentError("--aa-response", `cannot read ${opts.aaResponse}`, { cause });
                }),
              };
        const files = await readChipDirectory(dir);
        const trust = await loadTrustStore(opts.csca).catch((error: unknown) => {
          if (isChipError(error))
            throw new InvalidArgumentError("--csca", `${error.code}: ${error.message}`, { cause: error });
          throw error;
        });
        const result = await verifyChip(files, {
          trust,
          now,
          ...(activeAuthentication === undefined ? {} : { activeAuthentication }),
        });
        if (opts.json === true) printJson(chipReportJson(result));
        else printHuman(result);
        answer(result.status === "VALID");
      },
    );
}

function hexArgument(text: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2}){1,64}$/.test(text))
    throw new InvalidArgumentError("--aa-challenge", "must be 1–64 bytes of hexadecimal");
  return new Uint8Array(Buffer.from(text, "hex"));
}
