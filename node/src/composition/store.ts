/**
 * Opens the vault's RecordStore the configuration names: LevelDB under `dataDir` (one process), or
 * PostgreSQL shared by several instances of the bank's node. The PostgreSQL password comes from an
 * environment variable or a file, is put into the connection string here and nowhere else, and
 * never reaches a log or an error (the store's errors name host:port only).
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KycnetError } from "@kycnet/sdk/errors";
import type { NodeConfig } from "../config.ts";
import { postgresLeadership, soleLeadership, type Leadership } from "../ha/leadership.ts";
import type { Logger } from "../observability/logger.ts";
import { openLevelRecordStore } from "../vault/store/level/level-record-store.ts";
import { openPostgresRecordStore } from "../vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../vault/store/record-store.ts";
import type { Startup } from "./startup.ts";

export type PostgresStoreConfig = Extract<NonNullable<NodeConfig["vault"]>["store"], { kind: "postgres" }>;

export const DEFAULT_PG_PASSWORD_ENV = "KYCNET_PG_PASSWORD";

export interface VaultStore {
  readonly store: RecordStore;
  /** Who anchors: this process alone (LevelDB), or the elected instance (PostgreSQL). */
  readonly leadership: Leadership;
  /** Several instances may share the store: nonces must come from it (ha/store-nonce-signer.ts). */
  readonly shared: boolean;
}

/** The configured store alone, for offline tools (`kycnet vault verify-audit`). */
export async function openConfiguredStore(config: NodeConfig): Promise<RecordStore> {
  const settings = config.vault?.store;
  if (settings === undefined || settings.kind === "level") return openLevelRecordStore(join(config.dataDir, "vault"));
  return openPostgresRecordStore({
    connectionString: await postgresConnectionString(settings),
    maxConnections: 2,
    connectTimeoutMs: settings.connectTimeoutMs,
  });
}

/** The start-up step "vault": opens the configured store (closed again at stop). */
export async function openVaultStore(config: NodeConfig, startup: Startup, logger: Logger): Promise<VaultStore> {
  // The data folder holds the LevelDB vault and, either way, the libp2p peer key file.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const settings = config.vault?.store;
  if (settings === undefined || settings.kind === "level") {
    const store = await startup.step("vault", () => openLevelRecordStore(join(config.dataDir, "vault")));
    startup.onClose(() => store.close());
    return { store, leadership: soleLeadership(store), shared: false };
  }
  const connectionString = await startup.step("vault", () => postgresConnectionString(settings));
  const store = await startup.step("vault", () =>
    openPostgresRecordStore({
      connectionString,
      maxConnections: settings.maxConnections,
      connectTimeoutMs: settings.connectTimeoutMs,
    }),
  );
  startup.onClose(() => store.close());
  const leadership = postgresLeadership({
    connectionString,
    store,
    connectTimeoutMs: settings.connectTimeoutMs,
    onError: (error) => logger.warn({ err: error }, "anchoring leader election: connection failed; retrying"),
  });
  startup.onClose(() => leadership.stop());
  return { store, leadership, shared: true };
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
