/**
 * The consortium's Besu/QBFT network files from one JSON description: genesis.json (config.qbft,
 * the QBFT extraData naming the validators, zero base fee or pre-funded bank accounts),
 * static-nodes.json, the local permissioning file and one config.toml per validator. Pure: parse
 * and build return data; writing is in writeGenesisBundle. Besu itself is not run here (see
 * docs/deployment.md): the files follow Besu's documented formats and are checked by our tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SigningKey, computeAddress, encodeRlp, toQuantity, zeroPadValue } from "ethers";
import { ProductionInputError, ProductionIoError } from "./errors.ts";
import {
  address,
  array,
  boolean,
  hexBytes,
  host,
  integer,
  ipv4,
  object,
  optional,
  port,
  string,
  weiAmount,
  type Json,
} from "./input.ts";
import { renderToml, type TomlValue } from "./toml.ts";

/** The ES256 public key (PEM) of the kycnet node(s) allowed to call this Besu node's JSON-RPC. */
export const RPC_JWT_PUBLIC_KEY_FILE = "rpc-jwt-public.pem";

/** Chain ids a production chain must not take: public networks (transactions signed for one would replay on the other) and the dev tools' defaults. */
export const RESERVED_CHAIN_IDS: ReadonlyMap<number, string> = new Map([
  [1, "Ethereum mainnet"],
  [5, "Goerli"],
  [10, "OP mainnet"],
  [56, "BNB Smart Chain"],
  [100, "Gnosis"],
  [137, "Polygon"],
  [250, "Fantom"],
  [8453, "Base"],
  [17000, "Holesky"],
  [42161, "Arbitrum One"],
  [43114, "Avalanche C-Chain"],
  [59144, "Linea"],
  [560048, "Hoodi"],
  [11155111, "Sepolia"],
  [1337, "a development default (Ganache, Besu dev)"],
  [31337, "Hardhat's development chain"],
]);

/**
 * Our contracts are compiled for a Cancun-or-later EVM (MCOPY, transient storage may appear in the
 * bytecode), so the chain must activate at least Cancun from block 0.
 */
export type EvmVersion = "cancun" | "prague";
const EVM_VERSIONS: readonly EvmVersion[] = ["cancun", "prague"];

/** The QBFT mixHash Besu requires ("ctical byzantine fault tolerance"). */
export const QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";
const VANITY = zeroPadValue("0x", 32);

export interface ValidatorInput {
  readonly name: string;
  readonly address: string;
  /** 64-byte uncompressed public key without the 04 prefix (Besu's key.pub), when given. */
  readonly publicKey?: string;
  readonly p2pHost: string;
  readonly p2pPort: number;
  /** Internal interface for JSON-RPC and metrics: private or loopback IPv4 only. */
  readonly rpcHost: string;
  readonly rpcPort: number;
  readonly metricsPort: number;
}

export interface GenesisInput {
  readonly chainId: number;
  readonly blockPeriodSeconds: number;
  readonly epochLength: number;
  readonly requestTimeoutSeconds: number;
  readonly gasLimit: number;
  readonly evmVersion: EvmVersion;
  readonly timestamp: number;
  readonly zeroGasPrice: boolean;
  readonly alloc: ReadonlyArray<{ readonly account: string; readonly balanceWei: bigint }>;
  /** Sorted by address: the order Besu itself writes validators in later blocks. */
  readonly validators: readonly ValidatorInput[];
  /** Names of the validators that also serve as bootnodes (discovery on); none: static nodes only. */
  readonly bootnodes: readonly string[];
  readonly permissioning?: { readonly accounts?: readonly string[]; readonly nodes?: readonly string[] };
  readonly paths: { readonly dataPath: string; readonly configDir: string };
  readonly rpcAllowedHosts: readonly string[];
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]{0,255}$/;
const ENODE =
  /^enode:\/\/[0-9a-f]{128}@(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}:\d{1,5}$/;
const MIN_GAS_LIMIT = 10_000_000;

/** Private (RFC 1918) or loopback IPv4: JSON-RPC must not listen on a public interface. */
export function isInternalIpv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function validatorKey(entry: Record<string, Json>, field: string): { address: string; publicKey?: string } {
  const given = optional(entry.address, (v) => address(v, `${field}.address`));
  if (entry.publicKey === undefined) {
    if (given === undefined)
      throw new ProductionInputError("PRODUCTION_INPUT_INVALID", field, "needs publicKey (Besu's key.pub) or address");
    return { address: given };
  }
  const raw = hexBytes(entry.publicKey, `${field}.publicKey`, 64, 65);
  const uncompressed = raw.length === 2 + 128 ? `0x04${raw.slice(2)}` : raw;
  let point: string;
  try {
    point = SigningKey.computePublicKey(uncompressed, false);
  } catch {
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", `${field}.publicKey`, "is not a secp256k1 public key");
  }
  const derived = computeAddress(point);
  if (given !== undefined && given !== derived) {
    throw new ProductionInputError(
      "VALIDATOR_KEY_MISMATCH",
      `${field}.address`,
      `does not match publicKey (which gives ${derived})`,
    );
  }
  return { address: derived, publicKey: `0x${point.slice(4)}` };
}

/** Checks a consortium's genesis description; every problem is a ProductionInputError naming its field. */
export function parseGenesisInput(input: Json): GenesisInput {
  const root = object(input, "", [
    "chainId",
    "blockPeriodSeconds",
    "epochLength",
    "requestTimeoutSeconds",
    "gasLimit",
    "evmVersion",
    "timestamp",
    "zeroGasPrice",
    "alloc",
    "validators",
    "bootnodes",
    "permissioning",
    "paths",
    "rpcAllowedHosts",
  ]);
  const chainId = integer(root.chainId, "chainId", 1, 0xffff_ffff);
  const reserved = RESERVED_CHAIN_IDS.get(chainId);
  if (reserved !== undefined)
    throw new ProductionInputError("CHAIN_ID_RESERVED", "chainId", `${chainId} is ${reserved}; pick an unused id`);
  const blockPeriodSeconds = integer(root.blockPeriodSeconds, "blockPeriodSeconds", 1, 60);
  const epochLength = integer(root.epochLength ?? 30_000, "epochLength", 100, 10_000_000);
  const requestTimeoutSeconds = integer(
    root.requestTimeoutSeconds ?? Math.max(4, blockPeriodSeconds * 2),
    "requestTimeoutSeconds",
    1,
    600,
  );
  if (requestTimeoutSeconds <= blockPeriodSeconds) {
    throw new ProductionInputError(
      "VALUE_OUT_OF_RANGE",
      "requestTimeoutSeconds",
      `must exceed blockPeriodSeconds (${blockPeriodSeconds}); twice is usual`,
    );
  }
  const gasLimit = integer(root.gasLimit ?? 50_000_000, "gasLimit", MIN_GAS_LIMIT, Number.MAX_SAFE_INTEGER);
  const evmVersion = (root.evmVersion ?? "cancun") as EvmVersion;
  if (!EVM_VERSIONS.includes(evmVersion)) {
    throw new ProductionInputError(
      "PRODUCTION_INPUT_INVALID",
      "evmVersion",
      `must be one of ${EVM_VERSIONS.join(", ")} (the contracts need Cancun opcodes)`,
    );
  }
  const timestamp = integer(root.timestamp ?? 0, "timestamp", 0, 0xffff_ffff);
  const zeroGasPrice = boolean(root.zeroGasPrice, "zeroGasPrice");

  const seenAlloc = new Set<string>();
  const alloc = array(root.alloc ?? [], "alloc", 0, 1_000).map((raw, i) => {
    const entry = object(raw, `alloc[${i}]`, ["account", "balanceWei"]);
    const account = address(entry.account, `alloc[${i}].account`);
    if (seenAlloc.has(account))
      throw new ProductionInputError("PRODUCTION_INPUT_INVALID", `alloc[${i}].account`, `${account} is listed twice`);
    seenAlloc.add(account);
    return { account, balanceWei: weiAmount(entry.balanceWei, `alloc[${i}].balanceWei`) };
  });
  if (!zeroGasPrice && !alloc.some((a) => a.balanceWei > 0n)) {
    throw new ProductionInputError(
      "PRODUCTION_INPUT_INVALID",
      "alloc",
      "with a non-zero gas price, pre-fund the deployer and the banks' accounts (or set zeroGasPrice)",
    );
  }

  const names = new Set<string>();
  const addresses = new Map<string, string>();
  const endpoints = new Set<string>();
  const validators = array(root.validators, "validators", 1, 64).map((raw, i): ValidatorInput => {
    const field = `validators[${i}]`;
    const entry = object(raw, field, [
      "name",
      "publicKey",
      "address",
      "p2pHost",
      "p2pPort",
      "rpcHost",
      "rpcPort",
      "metricsPort",
    ]);
    const name = string(entry.name, `${field}.name`, NAME, "lower-case letters, digits and dashes (at most 63)", 63);
    if (names.has(name))
      throw new ProductionInputError("VALIDATOR_DUPLICATE", `${field}.name`, `"${name}" is used twice`);
    names.add(name);
    const key = validatorKey(entry, field);
    const twin = addresses.get(key.address);
    if (twin !== undefined)
      throw new ProductionInputError("VALIDATOR_DUPLICATE", field, `same node key as "${twin}" (${key.address})`);
    addresses.set(key.address, name);
    const p2pHost = ipv4(entry.p2pHost, `${field}.p2pHost`);
    const p2pPort = port(entry.p2pPort ?? 30303, `${field}.p2pPort`);
    if (endpoints.has(`${p2pHost}:${p2pPort}`))
      throw new ProductionInputError("VALIDATOR_DUPLICATE", `${field}.p2pHost`, `${p2pHost}:${p2pPort} is used twice`);
    endpoints.add(`${p2pHost}:${p2pPort}`);
    const rpcHost = ipv4(entry.rpcHost, `${field}.rpcHost`);
    if (!isInternalIpv4(rpcHost)) {
      throw new ProductionInputError(
        "PRODUCTION_INPUT_INVALID",
        `${field}.rpcHost`,
        "JSON-RPC must listen on an internal interface (10/8, 172.16/12, 192.168/16 or 127/8)",
      );
    }
    const rpcPort = port(entry.rpcPort ?? 8545, `${field}.rpcPort`);
    const metricsPort = port(entry.metricsPort ?? 9545, `${field}.metricsPort`);
    if (metricsPort === rpcPort)
      throw new ProductionInputError("PRODUCTION_INPUT_INVALID", `${field}.metricsPort`, "must differ from rpcPort");
    return {
      name,
      address: key.address,
      ...(key.publicKey === undefined ? {} : { publicKey: key.publicKey }),
      p2pHost,
      p2pPort,
      rpcHost,
      rpcPort,
      metricsPort,
    };
  });
  validators.sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));

  const bootnodes = array(root.bootnodes ?? [], "bootnodes", 0, 64).map((raw, i) => {
    const name = string(raw, `bootnodes[${i}]`, NAME, "a validator name", 63);
    const validator = validators.find((v) => v.name === name);
    if (validator === undefined)
      throw new ProductionInputError("PRODUCTION_INPUT_INVALID", `bootnodes[${i}]`, `no validator is named "${name}"`);
    if (validator.publicKey === undefined)
      throw new ProductionInputError(
        "PRODUCTION_INPUT_INVALID",
        `bootnodes[${i}]`,
        `"${name}" needs a publicKey to be a bootnode`,
      );
    return name;
  });

  let permissioning: GenesisInput["permissioning"];
  if (root.permissioning !== undefined) {
    const p = object(root.permissioning, "permissioning", ["accounts", "nodes"]);
    const accounts = optional(p.accounts, (v) =>
      array(v, "permissioning.accounts", 1, 10_000).map((a, i) => address(a, `permissioning.accounts[${i}]`)),
    );
    const nodes = optional(p.nodes, (v) =>
      array(v, "permissioning.nodes", 0, 1_000).map((n, i) =>
        string(n, `permissioning.nodes[${i}]`, ENODE, "an enode URL enode://<128 hex>@<ipv4>:<port>", 160),
      ),
    );
    if (nodes !== undefined && validators.some((v) => v.publicKey === undefined)) {
      throw new ProductionInputError(
        "PRODUCTION_INPUT_INVALID",
        "permissioning.nodes",
        "node allowlisting needs every validator's publicKey (their enode URLs go in the list)",
      );
    }
    permissioning = { ...(accounts === undefined ? {} : { accounts }), ...(nodes === undefined ? {} : { nodes }) };
  }

  const pathsIn = object(root.paths ?? {}, "paths", ["dataPath", "configDir"]);
  const paths = {
    dataPath: string(
      pathsIn.dataPath ?? "/var/lib/besu",
      "paths.dataPath",
      ABSOLUTE_PATH,
      "an absolute path (letters, digits, . _ - /)",
    ),
    configDir: string(
      pathsIn.configDir ?? "/etc/besu",
      "paths.configDir",
      ABSOLUTE_PATH,
      "an absolute path (letters, digits, . _ - /)",
    ),
  };
  const rpcAllowedHosts = optional(root.rpcAllowedHosts, (v) =>
    array(v, "rpcAllowedHosts", 1, 32).map((h, i) => {
      if (h === "*")
        throw new ProductionInputError(
          "PRODUCTION_INPUT_INVALID",
          `rpcAllowedHosts[${i}]`,
          "a wildcard would accept any Host header",
        );
      return host(h, `rpcAllowedHosts[${i}]`);
    }),
  ) ?? ["localhost", "127.0.0.1"];

  return {
    chainId,
    blockPeriodSeconds,
    epochLength,
    requestTimeoutSeconds,
    gasLimit,
    evmVersion,
    timestamp,
    zeroGasPrice,
    alloc,
    validators,
    bootnodes,
    ...(permissioning === undefined ? {} : { permissioning }),
    paths,
    rpcAllowedHosts,
  };
}

/** QBFT genesis extraData: RLP([32-byte vanity, [validators], [] no vote, empty round, [] no seals]). */
export function qbftExtraData(validators: readonly string[]): string {
  return encodeRlp([VANITY, validators.map((v) => v.toLowerCase()), [], "0x", []]);
}

export function enodeOf(v: ValidatorInput): string | undefined {
  return v.publicKey === undefined ? undefined : `enode://${v.publicKey.slice(2)}@${v.p2pHost}:${v.p2pPort}`;
}

export interface GenesisBundle {
  readonly genesis: Record<string, unknown>;
  readonly extraData: string;
  readonly staticNodes: readonly string[];
  /** permissions_config.toml, when local permissioning is on. */
  readonly permissionsToml?: string;
  readonly validatorTomls: ReadonlyArray<{ readonly name: string; readonly toml: string }>;
  readonly validators: ReadonlyArray<{
    readonly name: string;
    readonly address: string;
    readonly enode: string | null;
  }>;
  /** Not errors, but worth reading before launch. */
  readonly warnings: readonly string[];
}

const hexQuantity = (n: number | bigint) => toQuantity(n);

export function buildGenesisBundle(input: GenesisInput): GenesisBundle {
  const extraData = qbftExtraData(input.validators.map((v) => v.address));
  const milestones: Record<string, number> = {
    homesteadBlock: 0,
    eip150Block: 0,
    eip155Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    petersburgBlock: 0,
    istanbulBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
    shanghaiTime: 0,
    cancunTime: 0,
    ...(input.evmVersion === "prague" ? { pragueTime: 0 } : {}),
  };
  const genesis: Record<string, unknown> = {
    config: {
      chainId: input.chainId,
      ...milestones,
      ...(input.zeroGasPrice ? { zeroBaseFee: true } : {}),
      qbft: {
        blockperiodseconds: input.blockPeriodSeconds,
        epochlength: input.epochLength,
        requesttimeoutseconds: input.requestTimeoutSeconds,
      },
    },
    nonce: "0x0",
    timestamp: hexQuantity(input.timestamp),
    gasLimit: hexQuantity(input.gasLimit),
    difficulty: "0x1",
    mixHash: QBFT_MIX_HASH,
    coinbase: "0x0000000000000000000000000000000000000000",
    ...(input.zeroGasPrice ? { baseFeePerGas: "0x0" } : {}),
    alloc: Object.fromEntries(
      input.alloc.map((a) => [a.account.slice(2).toLowerCase(), { balance: hexQuantity(a.balanceWei) }]),
    ),
    extraData,
  };

  const enodes = input.validators.map((v) => ({ name: v.name, enode: enodeOf(v) }));
  const staticNodes = enodes.flatMap((e) => (e.enode === undefined ? [] : [e.enode]));
  const bootnodeEnodes = input.bootnodes.map((name) => enodes.find((e) => e.name === name)!.enode!);
  const { configDir, dataPath } = input.paths;

  let permissionsToml: string | undefined;
  if (input.permissioning !== undefined) {
    const entries: Array<[string, TomlValue]> = [];
    if (input.permissioning.accounts !== undefined)
      entries.push(["accounts-allowlist", [...input.permissioning.accounts]]);
    if (input.permissioning.nodes !== undefined)
      entries.push(["nodes-allowlist", [...new Set([...staticNodes, ...input.permissioning.nodes])]]);
    permissionsToml = renderToml(
      "Besu local permissioning (kycnet scripts/production): accounts that may send transactions, nodes that may connect",
      entries,
    );
  }

  const validatorTomls = input.validators.map((v) => {
    const entries: Array<[string, TomlValue]> = [
      ["identity", v.name],
      ["data-path", dataPath],
      ["genesis-file", `${configDir}/genesis.json`],
      // The validator's node key (its address is in extraData): a file Besu owns, or an HSM through
      // Besu's --security-module plugin. kycnet never holds it.
      ["node-private-key-file", `${dataPath}/key`],
      ["sync-mode", "FULL"],
      ["p2p-enabled", true],
      ["p2p-host", v.p2pHost],
      ["p2p-port", v.p2pPort],
      ["discovery-enabled", bootnodeEnodes.length > 0],
      ["static-nodes-file", `${configDir}/static-nodes.json`],
      ...(bootnodeEnodes.length > 0 ? [["bootnodes", bootnodeEnodes] as [string, TomlValue]] : []),
      // JSON-RPC on the internal interface only, and only what kycnet nodes and operators need:
      // no ADMIN, DEBUG, TRACE, TXPOOL, MINER or PERM over the network.
      ["rpc-http-enabled", true],
      ["rpc-http-host", v.rpcHost],
      ["rpc-http-port", v.rpcPort],
      ["rpc-http-api", ["ETH", "NET", "WEB3", "QBFT"]],
      ["host-allowlist", [...new Set([...input.rpcAllowedHosts, v.rpcHost])]],
      // Every JSON-RPC call carries a JWT signed by a kycnet node's key (node.json chain.jwt); Besu
      // checks it with the public key in this file. The private key never leaves the bank's host.
      ["rpc-http-authentication-enabled", true],
      ["rpc-http-authentication-jwt-public-key-file", `${configDir}/${RPC_JWT_PUBLIC_KEY_FILE}`],
      ["rpc-http-authentication-jwt-algorithm", "ES256"],
      ["rpc-ws-enabled", false],
      ["graphql-http-enabled", false],
      ["metrics-enabled", true],
      ["metrics-host", v.rpcHost],
      ["metrics-port", v.metricsPort],
      ...(input.zeroGasPrice ? [["min-gas-price", 0] as [string, TomlValue]] : []),
      ...(input.permissioning?.nodes !== undefined
        ? [
            ["permissions-nodes-config-file-enabled", true] as [string, TomlValue],
            ["permissions-nodes-config-file", `${configDir}/permissions_config.toml`] as [string, TomlValue],
          ]
        : []),
      ...(input.permissioning?.accounts !== undefined
        ? [
            ["permissions-accounts-config-file-enabled", true] as [string, TomlValue],
            ["permissions-accounts-config-file", `${configDir}/permissions_config.toml`] as [string, TomlValue],
          ]
        : []),
    ];
    return {
      name: v.name,
      toml: renderToml(
        `Besu validator "${v.name}" (${v.address}), chain ${input.chainId}: generated by kycnet scripts/production`,
        entries,
      ),
    };
  });

  const warnings: string[] = [];
  const n = input.validators.length;
  if (n < 4) warnings.push(`${n} validator(s): QBFT tolerates a faulty validator only from 4 on (f = floor((n-1)/3))`);
  const missingKeys = input.validators.filter((v) => v.publicKey === undefined).map((v) => v.name);
  if (missingKeys.length > 0)
    warnings.push(`no publicKey for ${missingKeys.join(", ")}: not in static-nodes.json; add their enode URLs by hand`);
  if (input.permissioning?.accounts !== undefined)
    warnings.push(
      "account allowlist on: it must include the deployer and every bank's HSM account, or their transactions are refused",
    );

  return {
    genesis,
    extraData,
    staticNodes,
    ...(permissionsToml === undefined ? {} : { permissionsToml }),
    validatorTomls,
    validators: input.validators.map((v) => ({ name: v.name, address: v.address, enode: enodeOf(v) ?? null })),
    warnings,
  };
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o644 });
  } catch (cause) {
    throw new ProductionIoError(path, "write", cause);
  }
}

/** Writes the bundle: genesis.json, static-nodes.json, validators.json, permissions_config.toml?, validators/<name>/config.toml. */
export function writeGenesisBundle(bundle: GenesisBundle, outDir: string): string[] {
  const dir = resolve(outDir);
  const written: string[] = [];
  const put = (relative: string, text: string) => {
    const path = join(dir, relative);
    try {
      mkdirSync(join(path, ".."), { recursive: true });
    } catch (cause) {
      throw new ProductionIoError(path, "write", cause);
    }
    write(path, text);
    written.push(path);
  };
  put("genesis.json", `${JSON.stringify(bundle.genesis, null, 2)}\n`);
  put("static-nodes.json", `${JSON.stringify(bundle.staticNodes, null, 2)}\n`);
  put(
    "validators.json",
    `${JSON.stringify({ extraData: bundle.extraData, validators: bundle.validators }, null, 2)}\n`,
  );
  if (bundle.permissionsToml !== undefined) put("permissions_config.toml", bundle.permissionsToml);
  for (const v of bundle.validatorTomls) put(join("validators", v.name, "config.toml"), v.toml);
  return written;
}
