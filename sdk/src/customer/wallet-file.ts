/**
 * The wallet on disk (Node.js apps and tools; a mobile app stores `serialize()` its own way).
 * Written atomically (temporary file + rename) with owner-only permissions.
 */
import { open, rename, stat, writeFile } from "node:fs/promises";
import { WalletMalformedError } from "./errors.ts";
import { parseCustomerWallet, type CustomerWallet } from "./wallet.ts";

const MAX_FILE_BYTES = 4 * 1024 * 1024;

export async function loadCustomerWallet(path: string): Promise<CustomerWallet> {
  const info = await stat(path);
  if (!info.isFile() || info.size > MAX_FILE_BYTES)
    throw new WalletMalformedError("not a regular file of at most 4 MiB");
  const handle = await open(path, "r");
  try {
    return parseCustomerWallet(await handle.readFile({ encoding: "utf8" }));
  } finally {
    await handle.close();
  }
}

export async function saveCustomerWallet(path: string, wallet: CustomerWallet): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, wallet.serialize(), { mode: 0o600 });
  await rename(temporary, path);
}
