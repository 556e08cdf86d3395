/**
 * Reads list files from disk (size checked before reading) and parses them with the loader of
 * their format. Several files merge into one snapshot.
 */
import { readFile, stat } from "node:fs/promises";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { SanctionsListTooLargeError } from "../errors.ts";
import type { SanctionsSnapshot } from "../port.ts";
import { mergeSnapshots } from "../snapshot.ts";
import { DEFAULT_MAX_LIST_BYTES } from "./bytes.ts";
import { parseOfacSdnCsv } from "./ofac-sdn-csv.ts";
import { parseOfacSdnXml } from "./ofac-sdn-xml.ts";
import { parseUnConsolidatedXml } from "./un-consolidated.ts";

export type SanctionsFileSpec =
  | { format: "UN_CONSOLIDATED_XML"; path: string }
  | { format: "OFAC_SDN_XML"; path: string }
  | { format: "OFAC_SDN_CSV"; path: string; altPath?: string };

async function readBounded(path: string, maxBytes: number): Promise<Uint8Array> {
  if (typeof path !== "string" || path === "") throw new InvalidArgumentError("path", "must be a non-empty string");
  const info = await stat(path);
  if (!info.isFile()) throw new InvalidArgumentError("path", "is not a regular file");
  if (info.size > maxBytes) throw new SanctionsListTooLargeError("file size in bytes", maxBytes);
  return readFile(path);
}

export async function loadSanctionsFile(
  spec: SanctionsFileSpec,
  options: { maxBytes?: number } = {},
): Promise<SanctionsSnapshot> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LIST_BYTES;
  switch (spec.format) {
    case "UN_CONSOLIDATED_XML":
      return parseUnConsolidatedXml(await readBounded(spec.path, maxBytes), { maxBytes });
    case "OFAC_SDN_XML":
      return parseOfacSdnXml(await readBounded(spec.path, maxBytes), { maxBytes });
    case "OFAC_SDN_CSV": {
      const altBytes = spec.altPath === undefined ? undefined : await readBounded(spec.altPath, maxBytes);
      return parseOfacSdnCsv(await readBounded(spec.path, maxBytes), { maxBytes, ...(altBytes ? { altBytes } : {}) });
    }
    default:
      throw new InvalidArgumentError("format", "unknown sanctions list format");
  }
}

/** Loads every file (all must succeed) and merges them; feed the result to `SanctionsList.reload`. */
export async function loadSanctionsFiles(
  specs: readonly SanctionsFileSpec[],
  options: { maxBytes?: number } = {},
): Promise<SanctionsSnapshot> {
  if (specs.length === 0) throw new InvalidArgumentError("specs", "at least one list file is required");
  return mergeSnapshots(await Promise.all(specs.map((s) => loadSanctionsFile(s, options))));
}
