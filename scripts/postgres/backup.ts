/**
 * Backup and restore of a node's PostgreSQL vault with Debian's own `pg_dump` and `pg_restore`
 * (docs/deployment.md, "Several instances per bank on PostgreSQL"): a custom-format dump of one
 * database, restored into an empty one. The password travels in PGPASSWORD, never in argv (where
 * `ps` would show it); the connection string passed to the tools carries none.
 *
 *   node --import tsx scripts/postgres/backup.ts dump <connection string> <file>
 *   node --import tsx scripts/postgres/backup.ts restore <connection string> <file>
 *
 * (the password may also come from PGPASSWORD instead of the connection string).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { postgresBinDir } from "./cluster.ts";

/** The connection string without its password, and the password for PGPASSWORD. */
function split(connectionString: string): { url: string; password: string | undefined } {
  const url = new URL(connectionString);
  const password = url.password === "" ? process.env.PGPASSWORD : decodeURIComponent(url.password);
  url.password = "";
  return { url: url.toString(), password };
}

function run(tool: string, args: readonly string[], password: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(password === undefined ? {} : { PGPASSWORD: password }) };
    const child = spawn(join(postgresBinDir(), tool), args, { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} failed (exit ${code}): ${stderr.trim()}`)),
    );
  });
}

/** A consistent custom-format dump (one snapshot, even while instances keep writing). */
export async function dumpDatabase(connectionString: string, file: string): Promise<void> {
  const { url, password } = split(connectionString);
  await run("pg_dump", ["--format=custom", "--no-owner", "--file", file, "--dbname", url], password);
}

/** Restores a dump into an empty database, in one transaction: all of it or nothing. */
export async function restoreDatabase(connectionString: string, file: string): Promise<void> {
  const { url, password } = split(connectionString);
  await run("pg_restore", ["--no-owner", "--single-transaction", "--exit-on-error", "--dbname", url, file], password);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, connectionString, file] = process.argv.slice(2);
  if ((command !== "dump" && command !== "restore") || connectionString === undefined || file === undefined) {
    process.stderr.write("usage: backup.ts dump|restore <connection string> <file>\n");
    process.exit(2);
  }
  try {
    await (command === "dump" ? dumpDatabase : restoreDatabase)(connectionString, file);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  }
}
