/**
 * Each bank's kycnet `node.json` for production, from the deployed contract addresses and one
 * consortium file (chain endpoint, each bank's HSM details, API and libp2p addresses, the address
 * book). Every file is checked with the node's own parseNodeConfig, so what is written is exactly
 * what `kycnet node start --config` accepts; secrets never appear (the PIN is named by its
 * environment variable, API keys only as SHA-256 hashes).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { addressesFromJson, type AddressesFile } from "@kycnet/sdk/chain";
import { isKycnetError } from "@kycnet/sdk/errors";
import { parseNodeConfig, type NodeConfig } from "../../node/src/config.ts";
import { ProductionInputError, ProductionIoError } from "./errors.ts";
import { address, array, integer, object, optional, string, type Json, type JsonObject } from "./input.ts";
import { isInternalIpv4 } from "./qbft-genesis.ts";

export interface BankNodeConfig {
  readonly slug: string;
  readonly config: NodeConfig;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
// eslint-disable-next-line no-control-regex -- the class excludes control characters from paths
const ABSOLUTE = /^\/[^\x00-\x1f"\\]{0,1023}$/;
const MULTIADDR = /^\/(ip4|ip6|dns|dns4|dns6)\/[A-Za-z0-9.:-]{1,253}\/tcp\/\d{1,5}$/;

/**
 * The contract addresses file written by `cli.ts deploy`, read with the SDK's one parser (the rules every
 * reader of the file shares, @kycnet/sdk/chain addresses.ts); its errors become this tool's.
 */
export function parseAddresses(input: Json, field = "addresses"): AddressesFile {
  try {
    return addressesFromJson(input, field);
  } catch (error) {
    if (!isKycnetError(error, "INVALID_ARGUMENT")) throw error;
    const { field: where, reason } = error.details;
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", String(where), String(reason));
  }
}

/** Sections copied as they are into every bank's file; parseNodeConfig checks them. */
const SHARED_SECTIONS = ["registry", "sanctions", "anchoring", "attestation", "log"] as const;

export function buildNodeConfigs(input: Json, addresses: AddressesFile): BankNodeConfig[] {
  const root = object(input, "", ["chain", "peers", "banks", ...SHARED_SECTIONS]);
  const chainIn = object(root.chain, "chain", ["rpcUrl", "chainId", "confirmations"]);
  const chainId = integer(chainIn.chainId, "chain.chainId", 1, 0xffff_ffff);
  // An addresses file that names its chain must be this consortium's: else every node would start on contracts
  // deployed elsewhere.
  if (addresses.chainId !== undefined && addresses.chainId !== BigInt(chainId)) {
    const reason = `is ${addresses.chainId}, chain.chainId is ${chainId}`;
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "addresses.chainId", reason);
  }
  const { consortium, attestations, consents } = addresses;
  const confirmations = integer(chainIn.confirmations ?? 1, "chain.confirmations", 1, 64);
  const defaultRpc = optional(chainIn.rpcUrl, (v) =>
    string(v, "chain.rpcUrl", /^https?:\/\/[^\s"\\]+$/, "an http(s) URL", 2048),
  );

  const banksIn = array(root.banks, "banks", 1, 256);
  const accounts = new Set<string>();
  const slugs = new Set<string>();
  const announced = new Set<string>();
  interface Bank {
    raw: JsonObject;
    field: string;
    slug: string;
    account: string;
    announce: string;
  }
  const banks: Bank[] = banksIn.map((raw, i) => {
    const field = `banks[${i}]`;
    const b = object(raw, field, [
      "name",
      "slug",
      "account",
      "dataDir",
      "rpcUrl",
      "rpcJwtKeyFile",
      "hsm",
      "api",
      "p2p",
      ...SHARED_SECTIONS,
    ]);
    const slug = string(
      b.slug,
      `${field}.slug`,
      SLUG,
      "lower-case letters, digits and dashes (the output folder name)",
      63,
    );
    if (slugs.has(slug)) throw new ProductionInputError("BANK_DUPLICATE", `${field}.slug`, `"${slug}" is used twice`);
    slugs.add(slug);
    const account = address(b.account, `${field}.account`);
    if (accounts.has(account))
      throw new ProductionInputError("BANK_DUPLICATE", `${field}.account`, `${account} is used twice`);
    accounts.add(account);
    const p2p = object(b.p2p, `${field}.p2p`, ["listen", "announce"]);
    const announce = string(
      p2p.announce,
      `${field}.p2p.announce`,
      MULTIADDR,
      "a multiaddr other banks dial, e.g. /dns4/p2p.bank.vn/tcp/4001",
      300,
    );
    if (announced.has(announce))
      throw new ProductionInputError("BANK_DUPLICATE", `${field}.p2p.announce`, `${announce} is used twice`);
    announced.add(announce);
    return { raw: b, field, slug, account, announce };
  });

  const extraPeers = array(root.peers ?? [], "peers", 0, 256).map((raw, i) => {
    const p = object(raw, `peers[${i}]`, ["account", "address"]);
    const account = address(p.account, `peers[${i}].account`);
    if (accounts.has(account))
      throw new ProductionInputError("BANK_DUPLICATE", `peers[${i}].account`, `${account} is already one of banks`);
    return { account, address: string(p.address, `peers[${i}].address`, MULTIADDR, "a multiaddr", 300) };
  });
  const addressBook = [...banks.map((b) => ({ account: b.account, address: b.announce })), ...extraPeers];

  return banks.map(({ raw: b, field, slug }) => {
    const hsm = object(b.hsm, `${field}.hsm`, ["modulePath", "tokenLabel", "pinEnv", "sessions"]);
    const api = object(b.api, `${field}.api`, ["host", "port", "apiKeys"]);
    const apiHost = string(api.host ?? "127.0.0.1", `${field}.api.host`, /^[0-9.]{7,15}$/, "an IPv4 address", 15);
    if (!isInternalIpv4(apiHost)) {
      throw new ProductionInputError(
        "PRODUCTION_INPUT_INVALID",
        `${field}.api.host`,
        "the API listens on loopback or a private interface; the TLS reverse proxy faces the network",
      );
    }
    const p2p = object(b.p2p, `${field}.p2p`, ["listen", "announce"]);
    const rpcUrl =
      optional(b.rpcUrl, (v) => string(v, `${field}.rpcUrl`, /^https?:\/\/[^\s"\\]+$/, "an http(s) URL", 2048)) ??
      defaultRpc;
    if (rpcUrl === undefined)
      throw new ProductionInputError(
        "PRODUCTION_INPUT_INVALID",
        `${field}.rpcUrl`,
        "needed when chain.rpcUrl is not set",
      );
    const dataDir = string(b.dataDir, `${field}.dataDir`, ABSOLUTE, "an absolute path", 1024);
    // The ES256 key that signs this node's JWTs for Besu's JSON-RPC (qbft-genesis.ts turns the check on).
    const rpcJwtKeyFile =
      optional(b.rpcJwtKeyFile, (v) => string(v, `${field}.rpcJwtKeyFile`, ABSOLUTE, "an absolute path", 1024)) ??
      `${dataDir}/rpc-jwt.pem`;
    const shared = (key: (typeof SHARED_SECTIONS)[number]) => b[key] ?? root[key];
    const candidate = {
      name: b.name,
      dataDir,
      chain: {
        rpcUrl,
        chainId,
        addresses: { consortium, attestations, consents },
        confirmations,
        jwt: { privateKeyFile: rpcJwtKeyFile, algorithm: "ES256" },
      },
      custody: {
        kind: "pkcs11",
        modulePath: string(
          hsm.modulePath,
          `${field}.hsm.modulePath`,
          ABSOLUTE,
          "the absolute path of the HSM vendor's PKCS#11 library",
          1024,
        ),
        tokenLabel: hsm.tokenLabel,
        pinEnv: hsm.pinEnv ?? "KYCNET_HSM_PIN",
        ...(hsm.sessions === undefined ? {} : { sessions: hsm.sessions }),
      },
      api: { host: apiHost, port: api.port ?? 8080, apiKeys: api.apiKeys },
      exchange: { listen: p2p.listen ?? ["/ip4/0.0.0.0/tcp/4001"], peers: addressBook },
      ...Object.fromEntries(SHARED_SECTIONS.flatMap((k) => (shared(k) === undefined ? [] : [[k, shared(k)]]))),
    };
    try {
      // The same check `kycnet node start` runs; the written file is the candidate itself (defaults
      // are filled at start-up), so an operator reads back what they wrote.
      parseNodeConfig(candidate, "/");
    } catch (error) {
      if (isKycnetError(error, "CONFIG_INVALID")) {
        const detailsPath = error.details.path; // ConfigInvalidError's JSON pointer, a string
        const path = (typeof detailsPath === "string" ? detailsPath : "").replace(/^\//, "").replaceAll("/", ".");
        throw new ProductionInputError(
          "PRODUCTION_INPUT_INVALID",
          `${field} → node.json ${path || "(root)"}`,
          String(error.details.reason),
        );
      }
      throw error;
    }
    return { slug, config: candidate as NodeConfig };
  });
}

/** Writes `<outDir>/<slug>/node.json` (mode 600) per bank; returns the paths. */
export function writeNodeConfigs(configs: readonly BankNodeConfig[], outDir: string): string[] {
  return configs.map(({ slug, config }) => {
    const dir = join(resolve(outDir), slug);
    const path = join(dir, "node.json");
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    } catch (cause) {
      throw new ProductionIoError(path, "write", cause);
    }
    return path;
  });
}
