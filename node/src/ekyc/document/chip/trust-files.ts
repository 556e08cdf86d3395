/**
 * Reads a CSCA trust list from disk into a CscaTrustStore: one file or a directory of files, each PEM
 * (certificates and CRLs), DER (a certificate or CRL) or an ICAO master list (`.ml`, CMS). Only this file
 * of the chip module touches the file system, and only to read configuration.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { TrustListError } from "./errors.ts";
import { DEFAULT_CHIP_LIMITS } from "./limits.ts";
import { CscaTrustStore } from "./trust-store.ts";

const MAX_FILES = 2_000;
const TRUST_FILE = /\.(pem|crt|cer|der|crl|ml)$/i;

export async function loadTrustStore(path: string, store = new CscaTrustStore()): Promise<CscaTrustStore> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new TrustListError(path, "cannot read", { cause });
  });
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((f) => TRUST_FILE.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new TrustListError(path, "no .pem, .crt, .cer, .der, .crl or .ml file");
  if (files.length > MAX_FILES) throw new TrustListError(path, `more than ${MAX_FILES} files`);
  for (const file of files) {
    const size = (await stat(file)).size;
    if (size > DEFAULT_CHIP_LIMITS.maxTrustListBytes) throw new TrustListError(file, `${size} bytes exceeds the limit`);
    const bytes = await readFile(file);
    const text = bytes.toString("latin1");
    if (text.includes("-----BEGIN ")) store.addPem(text, file);
    else store.addDer(new Uint8Array(bytes), file);
  }
  if (store.size === 0) throw new TrustListError(path, "no CSCA certificate");
  return store;
}
