/**
 * JSON-RPC authentication as Besu does it (`rpc-http-authentication-jwt-public-key-file`): a gate
 * in front of a real local chain checks each request's bearer JWT against the public key, and
 * static headers pass through; without credentials the node's probe names the refusal.
 */
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import { generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import { createRpcProvider, probeChainId } from "../../../node/src/ledger/provider.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";

/** Accepts a request when its bearer token verifies with `publicKey`, is unexpired and grants "*:*". */
function jwtValid(header: string | undefined, publicKey: KeyObject): boolean {
  const match = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header ?? "");
  if (match === null) return false;
  const [, head, body, signature] = match as unknown as [string, string, string, string];
  const ok = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as { exp: number; permissions: string[] };
  const alg = (JSON.parse(Buffer.from(head, "base64url").toString()) as { alg: string }).alg;
  return ok && alg === "ES256" && claims.exp > Date.now() / 1000 && claims.permissions.includes("*:*");
}

describe("JSON-RPC authentication (JWT, headers)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let gate: Server;
  let gateUrl: string;
  let dir: string;
  let keyFile: string;
  const seen: Array<string | undefined> = [];

  before(async () => {
    chain = await startLocalChain();
    dir = mkdtempSync(join(tmpdir(), "kycnet-rpc-auth-"));
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    keyFile = join(dir, "rpc-jwt.pem");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    gate = createServer((req, res) => {
      seen.push(req.headers["x-gateway-key"] as string | undefined);
      if (!jwtValid(req.headers.authorization, publicKey)) {
        res.writeHead(401).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void fetch(chain.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Buffer.concat(chunks),
        }).then(async (r) => res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text()));
      });
    });
    gate.listen(0, "127.0.0.1");
    await once(gate, "listening");
    const address = gate.address();
    gateUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  });
  after(async () => {
    gate?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const jwt = () => ({ privateKeyFile: keyFile, algorithm: "ES256" as const, ttlSeconds: 60 });

  it("the start-up probe and the provider pass the gate with a signed JWT, and send the static headers", async () => {
    seen.length = 0;
    const headers = { "X-Gateway-Key": "gw-123" };
    expect(await probeChainId(gateUrl, { jwt: jwt(), headers })).to.equal(chain.chainId);
    const provider = createRpcProvider(gateUrl, { chainId: chain.chainId, jwt: jwt(), headers });
    try {
      expect(await provider.getBlockNumber()).to.be.a("number");
    } finally {
      provider.destroy();
    }
    expect(seen.length).to.be.greaterThan(1);
    expect(new Set(seen)).to.deep.equal(new Set(["gw-123"]));
  });

  it("without a JWT the probe says the chain refused the node's credentials, naming the URL", async () => {
    const error = await probeChainId(gateUrl, {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKycnetError(error, "CHAIN_UNREACHABLE"), String(error)).to.equal(true);
    expect((error as KycnetError).message)
      .to.contain(gateUrl)
      .and.contain("credentials")
      .and.contain("401");
  });

  it("a missing JWT key file is a configuration error naming the file", () => {
    const missing = join(dir, "nope.pem");
    let error: unknown;
    try {
      createRpcProvider(gateUrl, { jwt: { ...jwt(), privateKeyFile: missing } });
    } catch (e) {
      error = e;
    }
    expect(isKycnetError(error, "CONFIG_INVALID"), String(error)).to.equal(true);
    expect((error as KycnetError).message)
      .to.contain(missing)
      .and.contain("ENOENT");
  });
});
