/**
 * The one way the node opens a JSON-RPC connection, and the start-up probe of that connection.
 *
 * ethers' default provider merges identical requests made within 250 ms, which makes a bank read
 * its own write stale (grant a consent, read its status: NONE). A bank must read its own writes, so
 * the cache is off.
 *
 * ethers also holds every request back 10 ms to batch it with others. The node's paths are chains
 * of dependent reads and writes (a re-onboarding made 23 round trips one after another, 13 at B
 * and 10 at A), so the stall added up to a quarter of a second per customer. The stall is 0:
 * requests made in the same turn of the event loop (a Promise.all) still go as one batch.
 *
 * Authentication: static headers (`chain.rpcHeaders`) and/or a JWT (`chain.jwt`) that Besu checks
 * with `rpc-http-authentication-jwt-public-key-file`; the token is signed with the node's private
 * key file, short-lived, and renewed before it expires.
 */
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { FetchRequest, JsonRpcProvider, Network } from "ethers";
import { KycnetError } from "@kycnet/sdk/errors";

export type JwtAlgorithm = "ES256" | "RS256";

export interface RpcJwtOptions {
  /** PEM private key whose public half Besu holds (`rpc-http-authentication-jwt-public-key-file`). */
  readonly privateKeyFile: string;
  readonly algorithm: JwtAlgorithm;
  /** Lifetime of each token; a new one is signed when less than a third is left. */
  readonly ttlSeconds: number;
  /** Besu's `permissions` claim (default every method: ["*:*"]). */
  readonly permissions?: readonly string[];
}

export interface RpcProviderOptions {
  /** Known chain id: skips network detection and its retries at start-up. */
  readonly chainId?: bigint;
  readonly pollingIntervalMs?: number;
  /** Sent with every request (e.g. an API gateway's key). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly jwt?: RpcJwtOptions;
}

export function createRpcProvider(url: string, options: RpcProviderOptions = {}): JsonRpcProvider {
  const network = options.chainId === undefined ? undefined : Network.from(options.chainId);
  const headersOf = rpcHeaders(options);
  const request = new FetchRequest(url);
  request.preflightFunc = async (req) => {
    for (const [name, value] of Object.entries(headersOf())) req.setHeader(name, value);
    return req;
  };
  return new JsonRpcProvider(request, network, {
    cacheTimeout: -1,
    batchStallTime: 0,
    staticNetwork: network ?? false,
    pollingInterval: options.pollingIntervalMs ?? 250,
  });
}

/**
 * The headers to send now: the static ones and a current bearer token. Reads the JWT key once, so
 * a missing or unreadable key file fails here, at start-up, naming the file.
 */
export function rpcHeaders(options: Pick<RpcProviderOptions, "headers" | "jwt">): () => Record<string, string> {
  const fixed = { ...options.headers };
  if (options.jwt === undefined) return () => fixed;
  const jwt = options.jwt;
  const key = readJwtKey(jwt.privateKeyFile);
  let token = "";
  let renewAt = 0;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (now >= renewAt) {
      token = signJwt(key, jwt, now);
      renewAt = now + Math.floor((jwt.ttlSeconds * 2) / 3);
    }
    return { ...fixed, Authorization: `Bearer ${token}` };
  };
}

function readJwtKey(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file));
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? "not a PEM private key";
    throw new KycnetError("CONFIG_INVALID", `chain.jwt.privateKeyFile ${file}: cannot use it (${reason})`, {
      details: { path: file },
      cause,
    });
  }
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A compact JWS (RFC 7515) with Besu's claims: `iat`, `exp` and `permissions`. */
export function signJwt(key: KeyObject, options: RpcJwtOptions, nowSeconds: number): string {
  const header = base64url(JSON.stringify({ alg: options.algorithm, typ: "JWT" }));
  const claims = base64url(
    JSON.stringify({
      iat: nowSeconds,
      exp: nowSeconds + options.ttlSeconds,
      permissions: options.permissions ?? ["*:*"],
    }),
  );
  const input = Buffer.from(`${header}.${claims}`);
  // JWS wants ECDSA signatures as r||s (IEEE P1363), not DER.
  const signature =
    options.algorithm === "ES256"
      ? sign("sha256", input, { key, dsaEncoding: "ieee-p1363" })
      : sign("sha256", input, key);
  return `${header}.${claims}.${base64url(signature)}`;
}

/** The URL without user:password, safe to name in a message or a log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Asks the chain for its id once, with a deadline, before anything else talks to it: ethers would
 * retry network detection forever, and a later failure would not name the URL.
 */
export async function probeChainId(
  url: string,
  options: Pick<RpcProviderOptions, "headers" | "jwt"> & { readonly timeoutMs?: number },
): Promise<bigint> {
  const where = redactUrl(url);
  const headers = { "content-type": "application/json", ...rpcHeaders(options)() };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (cause) {
    const reason = causeText(cause);
    throw new KycnetError("CHAIN_UNREACHABLE", `the chain at ${where} does not answer (${reason})`, {
      details: { url: where },
      cause,
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new KycnetError(
      "CHAIN_UNREACHABLE",
      `the chain at ${where} refused this node's credentials (HTTP ${response.status}): check chain.jwt / chain.rpcHeaders`,
      { details: { url: where, status: response.status } },
    );
  }
  const body = (await response.json().catch(() => null)) as { result?: unknown } | null;
  if (!response.ok || typeof body?.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw new KycnetError(
      "CHAIN_UNREACHABLE",
      `${where} is not an Ethereum JSON-RPC endpoint (HTTP ${response.status})`,
      {
        details: { url: where, status: response.status },
      },
    );
  }
  return BigInt(body.result);
}

function causeText(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "no answer in time";
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (inner as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : inner instanceof Error ? inner.message : String(inner);
}
