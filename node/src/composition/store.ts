/**
 * Opens the vault's RecordStore the configuration names: LevelDB under `dataDir` (one process), or
 * PostgreSQL shared by several instances of the bank's node. The PostgreSQL password comes from an
 * environment variable or a file, is put into the connection string here and nowhere else, and
 * never reaches a log or an error (the store's errors name host:port only).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { KycnetError } from "@kycnet/sdk/errors";
import type { NodeConfig } from "../config.ts";
import { openLevelRecordStore } from "../vault/store/level/level-record-store.ts";
import { openPostgresRecordStore } from "../vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../vault/store/record-store.ts";

export type PostgresStoreConfig = Extract<NonNullable<NodeConfig["vault"]>["store"], { kind: "postgres" }>;

export const DEFAULT_PG_PASSWORD_ENV = "KYCNET_PG_PASSWORD";

export async function openConfiguredStore(config: NodeConfig): Promise<RecordStore> {
  const store = config.vault?.store;
  if (store === undefined || store.kind === "level") return openLevelRecordStore(join(config.dataDir, "vault"));
  return openPostgresRecordStore({
    connectionString: await postgresConnectionString(store),
    maxConnections: store.maxConnections,
    connectTimeoutMs: store.connectTimeoutMs,
  });
}

/** postgresql://user:password@host:port/database, the password from the file or the environment. */
export async function postgresConnectionString(
  store: PostgresStoreConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const url = new URL("postgresql://localhost");
  url.hostname = store.host;
  url.port = String(store.port);
  url.pathname = `/${store.database}`;
  url.username = store.user;
  url.password = await postgresPassword(store, env);
  return url.toString();
}

async function postgresPassword(store: PostgresStoreConfig, env: NodeJS.ProcessEnv): Promise<string> {
  if (store.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(store.passwordFile, "utf8");
    } catch (cause) {
      throw new KycnetError("CONFIG_INVALID", `cannot read the PostgreSQL password file ${store.passwordFile}`, {
        details: { path: "/vault/store/passwordFile" },
        cause,
      });
    }
    const password = text.split(/\r?\n/)[0] ?? "";
    if (password === "")
      throw new KycnetError("CONFIG_INVALID", `the PostgreSQL password file ${store.passwordFile} is empty`, {
        details: { path: "/vault/store/passwordFile" },
      });
    return password;
  }
  const variable = store.passwordEnv ?? DEFAULT_PG_PASSWORD_ENV;
  const password = env[variable];
  if (password === undefined || password === "")
    throw new KycnetError("CONFIG_INVALID", `the PostgreSQL password variable ${variable} is not set`, {
      details: { path: "/vault/store/passwordEnv", variable },
    });
  return password;
}
