/**
 * The node's configuration: one JSON file, checked against a schema at start-up so a typo fails
 * loudly, listing every bad setting with its path (config-problems.ts). Sections whose settings
 * all have defaults (exchange, anchoring, attestation, log) may be left out. Secrets are never in
 * the file: the HSM PIN comes from the environment variable the file names (`custody.pinEnv`),
 * API keys only as SHA-256 hashes.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { KycnetError } from "@kycnet/sdk/errors";
import { configProblems, formatProblem, problemReason, type ConfigProblem } from "./config-problems.ts";

const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" });

/** The decision reasons that make a review case high-risk by default: two different reviewers approve it. */
export const DEFAULT_FOUR_EYES_REASONS = [
  "SANCTIONS_HIT",
  "SANCTIONS_HIT_STRONG",
  "REGISTRY_MISMATCH",
  "DOCUMENT_TAMPER_SUSPECTED",
  "DOCUMENT_TAMPER_LIKELY",
  "REPLAY_SUSPECTED",
  "CHIP_INVALID",
  "CHIP_CARD_MISMATCH",
] as const;

export const NodeConfigSchema = Type.Object(
  {
    /** Display name, as registered in the consortium. */
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** LevelDB vault, peer key; relative paths are relative to the config file. */
    dataDir: Type.String({ minLength: 1 }),
    chain: Type.Object(
      {
        rpcUrl: Type.String({ pattern: "^https?://" }),
        chainId: Type.Optional(Type.Integer({ minimum: 1 })),
        addresses: Type.Object(
          { consortium: Address, attestations: Address, consents: Address },
          { additionalProperties: false },
        ),
        confirmations: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
        /** The chain's block period: status answers are served from memory for at most this long. */
        blockPeriodMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 1_000 }),
        /** Headers sent with every JSON-RPC request (e.g. a gateway's key: keep the file 0600 then). */
        rpcHeaders: Type.Optional(
          Type.Record(Type.String({ pattern: "^[A-Za-z0-9-]{1,64}$" }), Type.String({ maxLength: 4096 })),
        ),
        /** A JWT per request for Besu's `rpc-http-authentication-jwt-public-key-file` (production/README). */
        jwt: Type.Optional(
          Type.Object(
            {
              privateKeyFile: Type.String({ minLength: 1 }),
              algorithm: Type.Union([Type.Literal("ES256"), Type.Literal("RS256")], { default: "ES256" }),
              ttlSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 300 }),
              permissions: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
            },
            { additionalProperties: false },
          ),
        ),
        /** Readiness: the account must hold gas for this many anchoring transactions (default 10; 0: never checked). */
        minAnchoringTransactions: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
      },
      { additionalProperties: false },
    ),
    custody: Type.Union([
      Type.Object(
        {
          kind: Type.Literal("pkcs11"),
          modulePath: Type.String({ minLength: 1 }),
          tokenLabel: Type.String({ minLength: 1, maxLength: 32 }),
          /** Name of the environment variable that holds the user PIN. */
          pinEnv: Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", default: "KYCNET_HSM_PIN" }),
          /** SoftHSM2 only. */
          softhsm2Conf: Type.Optional(Type.String()),
          sessions: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
          /** Object labels of the three keys (defaults kycnet/signing, kycnet/kek, kycnet/transport): a
           * rotated signing key is put in service by naming its label here. */
          keyLabels: Type.Optional(
            Type.Object(
              {
                signing: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
                kek: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
                transport: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      // Development only: keys in process memory. The node refuses it unless KYCNET_ALLOW_MEMORY_KEYS=1.
      Type.Object({ kind: Type.Literal("memory") }, { additionalProperties: false }),
    ]),
    api: Type.Object(
      {
        host: Type.String({ default: "127.0.0.1" }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        apiKeys: Type.Array(
          Type.Object(
            {
              id: Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" }),
              role: Type.Union([
                Type.Literal("operator"),
                Type.Literal("reviewer"),
                Type.Literal("auditor"),
                Type.Literal("core-banking"),
              ]),
              sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
        /** Requests per window per API key (or client address without a valid key); default 600 per minute. */
        rateLimit: Type.Optional(
          Type.Object(
            {
              max: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
              windowMs: Type.Integer({ minimum: 1_000, maximum: 3_600_000 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    exchange: Type.Object(
      {
        listen: Type.Array(Type.String({ pattern: "^/ip[46]/" }), { minItems: 1, default: ["/ip4/127.0.0.1/tcp/0"] }),
        /** The consortium's address book: where each member's node listens (its peer id is on chain). */
        peers: Type.Array(
          Type.Object(
            { account: Address, address: Type.String({ pattern: "^/(ip[46]|dns[46]?)/" }) },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    registry: Type.Object(
      {
        url: Type.String({ pattern: "^https?://" }),
        deadlineMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
        /** mTLS to the registry (https only): our client certificate and key, and the CA we trust for it. */
        tls: Type.Optional(
          Type.Object(
            {
              caFile: Type.Optional(Type.String({ minLength: 1 })),
              certFile: Type.Optional(Type.String({ minLength: 1 })),
              keyFile: Type.Optional(Type.String({ minLength: 1 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    sanctions: Type.Object(
      {
        lists: Type.Array(
          Type.Union([
            Type.Object(
              { format: Type.Literal("UN_CONSOLIDATED_XML"), path: Type.String() },
              { additionalProperties: false },
            ),
            Type.Object({ format: Type.Literal("OFAC_SDN_XML"), path: Type.String() }, { additionalProperties: false }),
            Type.Object(
              { format: Type.Literal("OFAC_SDN_CSV"), path: Type.String(), altPath: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ]),
        ),
        threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
        /**
         * Keeping the lists current: the files are read again every `intervalSeconds` (default 6 h) and a
         * changed list is swapped in atomically, then screened against the standing customers. The lists
         * are stale (logged at error on each refresh) when their content has not changed for
         * `staleAfterSeconds` (default 7 days: the UN and OFAC lists change several times a week, so a
         * list that stands still means the download behind the files stopped).
         */
        refresh: Type.Optional(
          Type.Object(
            {
              intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
              staleAfterSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 365 * 86_400 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    /**
     * eKYC level 2: the CSCA trust list the chips' Document Signers must chain to (a PEM/DER certificate or
     * ICAO master list file, or a folder of them) and optional CRL files. Without it the node verifies no
     * chip and onboards at level 1 only.
     */
    chip: Type.Optional(
      Type.Object(
        {
          trustList: Type.String({ minLength: 1 }),
          crls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Re-onboarding policy: the lowest level of a source attestation this bank accepts (2: chip-verified only). */
    reuse: Type.Object(
      {
        minimumSourceLevel: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * The review queue and its console. `fourEyesReasons`: the decision reasons that make a case high-risk,
     * approved only by two different reviewers. `consoleSessionMinutes`: how long a console sign-in lasts.
     */
    review: Type.Object(
      {
        fourEyesReasons: Type.Array(Type.String({ pattern: "^[A-Z_]{1,64}$" }), {
          maxItems: 64,
          default: [...DEFAULT_FOUR_EYES_REASONS],
        }),
        consoleSessionMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 480 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Onboarding sessions: the bytes of uploaded images all open sessions hold together (default 512 MiB). */
    sessions: Type.Optional(
      Type.Object(
        { uploadBudgetBytes: Type.Optional(Type.Integer({ minimum: 16 * 1024 * 1024, maximum: 2 ** 40 })) },
        { additionalProperties: false },
      ),
    ),
    /**
     * Where the vault lives. LevelDB under `dataDir` (the default: one process, one machine), or
     * PostgreSQL shared by several instances of this bank's node (docs/deployment.md). The
     * password never sits in the file: it is read from the environment variable `passwordEnv` or
     * from `passwordFile` (keep it 0600), and never logged.
     */
    vault: Type.Optional(
      Type.Object(
        {
          store: Type.Union(
            [
              Type.Object({ kind: Type.Literal("level") }, { additionalProperties: false }),
              Type.Object(
                {
                  kind: Type.Literal("postgres"),
                  host: Type.String({ minLength: 1, maxLength: 255, default: "127.0.0.1" }),
                  port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
                  database: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,63}$" }),
                  user: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,63}$" }),
                  /** Environment variable holding the password (default KYCNET_PG_PASSWORD). */
                  passwordEnv: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$" })),
                  /** A file holding the password (first line); relative to the config file. */
                  passwordFile: Type.Optional(Type.String({ minLength: 1 })),
                  maxConnections: Type.Integer({ minimum: 2, maximum: 200, default: 10 }),
                  connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
                },
                { additionalProperties: false },
              ),
            ],
            { default: { kind: "level" } },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    anchoring: Type.Object(
      {
        maxBatch: Type.Integer({ minimum: 1, maximum: 1024, default: 256 }),
        maxDelayMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2_000 }),
        /**
         * Anchor the audit head alone (no attestation) when the log grew and nothing was anchored for
         * this long (default 15 minutes): audit entries after the last anchor are not yet protected
         * against an edit by someone who can write the vault (docs/audit-trail.md).
         */
        auditAnchorIntervalMs: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 900_000 })),
        /**
         * How far the chain's clock may lag this node's: a record is anchored only once the node's
         * clock is this far past its issuedAt second (vault/outbox.ts says why; default 1 s).
         */
        chainClockSkewMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: 1_000 })),
      },
      { additionalProperties: false, default: {} },
    ),
    attestation: Type.Object(
      {
        pipelineVersion: Type.String({ pattern: "^[\\x20-\\x7e]{1,31}$", default: "ekyc/0.1.0" }),
        // At least 31 days: on-chain expiry is rounded down to a UTC month start (onboarding/attestation-validity.ts).
        validityDays: Type.Integer({ minimum: 31, maximum: 3650, default: 1825 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Core-banking webhooks (Standard Webhooks, HMAC-SHA256): where to POST them and the file holding
     * the shared secret (`whsec_<base64>`, keep it 0600). Without this section no webhook is queued.
     */
    webhooks: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: "^https?://" }),
          secretFile: Type.String({ minLength: 1 }),
          timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
          maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
          baseBackoffMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1_000 }),
          maxBackoffMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 3_600_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The retention sweep (shreds records past their retention, retires period keys) runs this often. */
    retention: Type.Object(
      {
        sweepIntervalMs: Type.Integer({ minimum: 1_000, maximum: 604_800_000, default: 3_600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
          { default: "info" },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type NodeConfig = Static<typeof NodeConfigSchema>;

/**
 * Every bad setting of a configuration. `details.problems` lists them all; `details.path` and
 * `details.reason` repeat the first one for callers that show a single line.
 */
export class ConfigInvalidError extends KycnetError {
  constructor(problems: readonly ConfigProblem[]) {
    const [first = { path: "", expected: "invalid" }] = problems;
    const lines = problems.map(formatProblem);
    const summary = lines.length === 1 ? lines[0] : `${lines.length} problems:\n  ${lines.join("\n  ")}`;
    super("CONFIG_INVALID", `configuration ${summary}`, {
      details: { path: first.path, reason: problemReason(first), problems: [...problems] },
    });
  }
}

/** Fills defaults and checks a parsed configuration; relative paths resolve against `baseDir`. */
export function parseNodeConfig(input: unknown, baseDir = process.cwd()): NodeConfig {
  const withDefaults = Value.Default(NodeConfigSchema, structuredClone(input ?? {}));
  if (!Value.Check(NodeConfigSchema, withDefaults)) {
    throw new ConfigInvalidError(configProblems(NodeConfigSchema, withDefaults));
  }
  const config = withDefaults;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    dataDir: at(config.dataDir),
    custody:
      config.custody.kind === "pkcs11" && config.custody.softhsm2Conf !== undefined
        ? { ...config.custody, softhsm2Conf: at(config.custody.softhsm2Conf) }
        : config.custody,
    ...(config.chip === undefined
      ? {}
      : {
          chip: {
            trustList: at(config.chip.trustList),
            ...(config.chip.crls === undefined ? {} : { crls: config.chip.crls.map(at) }),
          },
        }),
    ...(config.webhooks === undefined
      ? {}
      : { webhooks: { ...config.webhooks, secretFile: at(config.webhooks.secretFile) } }),
    vault:
      config.vault?.store.kind === "postgres" && config.vault.store.passwordFile !== undefined
        ? { store: { ...config.vault.store, passwordFile: at(config.vault.store.passwordFile) } }
        : config.vault,
    chain:
      config.chain.jwt === undefined
        ? config.chain
        : { ...config.chain, jwt: { ...config.chain.jwt, privateKeyFile: at(config.chain.jwt.privateKeyFile) } },
    registry:
      config.registry.tls === undefined
        ? config.registry
        : {
            ...config.registry,
            tls: Object.fromEntries(Object.entries(config.registry.tls).map(([k, v]) => [k, at(v)])),
          },
    sanctions: {
      ...config.sanctions,
      lists: config.sanctions.lists.map((l) => ({
        ...l,
        path: at(l.path),
        ...("altPath" in l && l.altPath ? { altPath: at(l.altPath) } : {}),
      })),
    },
  };
}

export async function loadNodeConfig(path: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new KycnetError("CONFIG_NOT_FOUND", `cannot read configuration file ${path}`, { details: { path }, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new KycnetError("CONFIG_INVALID", `configuration file ${path} is not valid JSON`, {
      details: { path },
      cause,
    });
  }
  return parseNodeConfig(parsed, dirname(resolve(path)));
}
