import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNodeConfig, parseNodeConfig } from "../../../node/src/config.ts";
import { buildNodeConfigs, parseAddresses, writeNodeConfigs } from "../../../scripts/production/node-config.ts";
import { ProductionInputError, type ProductionInputCode } from "../../../scripts/production/errors.ts";
import { bank, bankAccount, banksInput, someAddresses } from "./fixtures.ts";

function expectInputError(run: () => unknown, code: ProductionInputCode, field: string | RegExp): void {
  try {
    run();
  } catch (error) {
    expect(
      error instanceof ProductionInputError && error.code === code,
      `expected ${code}, got ${String(error)}`,
    ).to.equal(true);
    const actual = (error as { field: string }).field;
    if (typeof field === "string") expect(actual).to.equal(field);
    else expect(actual).to.match(field);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("production: node configs", () => {
  it("each bank's node.json passes the node's own parseNodeConfig with the deployed addresses, its HSM and the address book", () => {
    const configs = buildNodeConfigs(banksInput(), parseAddresses(someAddresses));
    expect(configs.map((c) => c.slug)).to.deep.equal(["bank-1", "bank-2"]);
    for (const { config } of configs) {
      const parsed = parseNodeConfig(JSON.parse(JSON.stringify(config)));
      expect(parsed.chain.addresses).to.deep.equal(someAddresses);
      expect(parsed.chain.chainId).to.equal(84710);
      expect(parsed.custody).to.include({
        kind: "pkcs11",
        modulePath: "/opt/hsm/lib/libvendor-pkcs11.so",
        pinEnv: "KYCNET_HSM_PIN",
      });
      expect(parsed.exchange.peers).to.deep.equal([
        { account: bankAccount(1), address: "/dns4/p2p.bank-1.example.vn/tcp/4001" },
        { account: bankAccount(2), address: "/dns4/p2p.bank-2.example.vn/tcp/4001" },
      ]);
    }
    expect(configs[1]!.config.custody).to.include({ tokenLabel: "bank-2" });
  });

  it("reads an addresses file naming its chain and deployment block; node.json gets only the three addresses", () => {
    const lower = Object.fromEntries(Object.entries(someAddresses).map(([k, v]) => [k, v.toLowerCase()]));
    const addresses = parseAddresses({ ...lower, chainId: 84710, fromBlock: 12 });
    expect(addresses).to.deep.equal({ ...someAddresses, chainId: 84710n, fromBlock: 12 });
    for (const { config } of buildNodeConfigs(banksInput(), addresses)) {
      expect(config.chain.addresses).to.deep.equal(someAddresses);
    }
  });

  it("the documented example (scripts/production/examples/banks.json) is valid", () => {
    const example = JSON.parse(
      readFileSync(new URL("../../../scripts/production/examples/banks.json", import.meta.url), "utf8"),
    ) as unknown;
    expect(buildNodeConfigs(example, someAddresses).map((c) => c.slug)).to.deep.equal(["bank-a", "bank-b"]);
  });

  it("a bank's own rpcUrl and sections override the consortium's; extra peers join the address book", () => {
    const extra = { account: bankAccount(7), address: "/dns4/p2p.bank-7.example.vn/tcp/4001" };
    const [one] = buildNodeConfigs(
      banksInput({
        banks: [bank(1, { rpcUrl: "http://10.0.0.11:8545", log: { level: "warn" } })],
        peers: [extra],
      }),
      someAddresses,
    );
    expect(one!.config.chain.rpcUrl).to.equal("http://10.0.0.11:8545");
    // Besu's JSON-RPC wants a JWT (qbft-genesis.ts): each node signs its own, with a key beside its data.
    expect(one!.config.chain.jwt).to.deep.equal({
      privateKeyFile: `${one!.config.dataDir}/rpc-jwt.pem`,
      algorithm: "ES256",
    });
    expect(one!.config.log.level).to.equal("warn");
    expect(one!.config.exchange.peers).to.deep.include(extra);
  });

  it("writes <slug>/node.json readable only by its owner, loadable by loadNodeConfig, with no secret in it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kycnet-nodecfg-"));
    try {
      const paths = writeNodeConfigs(buildNodeConfigs(banksInput(), someAddresses), dir);
      expect(paths).to.deep.equal([join(dir, "bank-1", "node.json"), join(dir, "bank-2", "node.json")]);
      for (const path of paths) {
        expect(statSync(path).mode & 0o077).to.equal(0);
        const loaded = await loadNodeConfig(path);
        expect(loaded.custody.kind).to.equal("pkcs11");
        expect(readFileSync(path, "utf8")).to.not.match(/"pin"\s*:/i);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("input errors name the field", () => {
    const build = (overrides: Record<string, unknown>) => () => buildNodeConfigs(banksInput(overrides), someAddresses);
    const cases: Array<[string, () => unknown, ProductionInputCode, string | RegExp]> = [
      ["no banks", build({ banks: [] }), "VALUE_OUT_OF_RANGE", "banks"],
      ["unknown top-level setting", build({ api: {} }), "PRODUCTION_INPUT_INVALID", "api"],
      [
        "duplicate bank account",
        build({ banks: [bank(1), bank(2, { account: bankAccount(1) })] }),
        "BANK_DUPLICATE",
        "banks[1].account",
      ],
      ["duplicate slug", build({ banks: [bank(1), bank(2, { slug: "bank-1" })] }), "BANK_DUPLICATE", "banks[1].slug"],
      [
        "duplicate announce address",
        build({ banks: [bank(1), bank(2, { p2p: { announce: "/dns4/p2p.bank-1.example.vn/tcp/4001" } })] }),
        "BANK_DUPLICATE",
        "banks[1].p2p.announce",
      ],
      ["bad account", build({ banks: [bank(1, { account: "0x12" })] }), "PRODUCTION_INPUT_INVALID", "banks[0].account"],
      [
        "slug that escapes the folder",
        build({ banks: [bank(1, { slug: "../x" })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].slug",
      ],
      [
        "relative data dir",
        build({ banks: [bank(1, { dataDir: "data" })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].dataDir",
      ],
      [
        "relative HSM module path",
        build({ banks: [bank(1, { hsm: { modulePath: "lib.so", tokenLabel: "x" } })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].hsm.modulePath",
      ],
      [
        "a PIN instead of its variable's name",
        build({ banks: [bank(1, { hsm: { modulePath: "/lib.so", tokenLabel: "x", pinEnv: "1234" } })] }),
        "PRODUCTION_INPUT_INVALID",
        /^banks\[0\] → node\.json custody/,
      ],
      [
        "token label too long",
        build({ banks: [bank(1, { hsm: { modulePath: "/lib.so", tokenLabel: "x".repeat(33) } })] }),
        "PRODUCTION_INPUT_INVALID",
        /^banks\[0\] → node\.json custody/,
      ],
      [
        "unknown HSM setting",
        build({ banks: [bank(1, { hsm: { modulePath: "/lib.so", tokenLabel: "x", pin: "1234" } })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].hsm.pin",
      ],
      [
        "API on a public interface",
        build({ banks: [bank(1, { api: { host: "0.0.0.0", apiKeys: [] } })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].api.host",
      ],
      [
        "no API key",
        build({ banks: [bank(1, { api: { host: "127.0.0.1", apiKeys: [] } })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0] → node.json api.apiKeys",
      ],
      [
        "API key in clear instead of its hash",
        build({
          banks: [bank(1, { api: { host: "127.0.0.1", apiKeys: [{ id: "op", role: "operator", key: "secret" }] } })],
        }),
        "PRODUCTION_INPUT_INVALID",
        /^banks\[0\] → node\.json api\.apiKeys/,
      ],
      [
        "announce not a multiaddr",
        build({ banks: [bank(1, { p2p: { announce: "p2p.bank.vn:4001" } })] }),
        "PRODUCTION_INPUT_INVALID",
        "banks[0].p2p.announce",
      ],
      [
        "listen not a multiaddr",
        build({ banks: [bank(1, { p2p: { listen: ["tcp://0.0.0.0:4001"], announce: "/dns4/a.vn/tcp/1" } })] }),
        "PRODUCTION_INPUT_INVALID",
        /^banks\[0\] → node\.json exchange\.listen/,
      ],
      ["no RPC URL anywhere", build({ chain: { chainId: 84710 } }), "PRODUCTION_INPUT_INVALID", "banks[0].rpcUrl"],
      [
        "RPC URL not http(s)",
        build({ chain: { rpcUrl: "ws://10.0.0.1:8546", chainId: 84710 } }),
        "PRODUCTION_INPUT_INVALID",
        "chain.rpcUrl",
      ],
      [
        "chain id missing",
        build({ chain: { rpcUrl: "http://10.0.0.1:8545" } }),
        "PRODUCTION_INPUT_INVALID",
        "chain.chainId",
      ],
      [
        "confirmations out of range",
        build({ chain: { rpcUrl: "http://10.0.0.1:8545", chainId: 84710, confirmations: 0 } }),
        "VALUE_OUT_OF_RANGE",
        "chain.confirmations",
      ],
      ["registry missing", build({ registry: undefined }), "PRODUCTION_INPUT_INVALID", "banks[0] → node.json registry"],
      [
        "bad sanctions format",
        build({ sanctions: { lists: [{ format: "PDF", path: "/x" }] } }),
        "PRODUCTION_INPUT_INVALID",
        /^banks\[0\] → node\.json sanctions/,
      ],
      [
        "extra peer duplicating a bank",
        build({ peers: [{ account: bankAccount(1), address: "/dns4/x.vn/tcp/1" }] }),
        "BANK_DUPLICATE",
        "peers[0].account",
      ],
      [
        "addresses file incomplete",
        () => parseAddresses({ consortium: someAddresses.consortium }),
        "PRODUCTION_INPUT_INVALID",
        "addresses.attestations",
      ],
      [
        "addresses file with a bad address",
        () => parseAddresses({ ...someAddresses, consents: "0xabc" }),
        "PRODUCTION_INPUT_INVALID",
        "addresses.consents",
      ],
      // The SDK's rules for every reader of the file: a misspelt key or a wrong checksum is refused, not guessed.
      [
        "addresses file with an unknown key",
        () => parseAddresses({ ...someAddresses, chainID: 84710 }),
        "PRODUCTION_INPUT_INVALID",
        "addresses.chainID",
      ],
      [
        "addresses file with a wrong EIP-55 checksum",
        () => parseAddresses({ ...someAddresses, consents: someAddresses.consents.replace("fE", "Fe") }),
        "PRODUCTION_INPUT_INVALID",
        "addresses.consents",
      ],
      [
        "addresses file of another chain",
        () => buildNodeConfigs(banksInput(), parseAddresses({ ...someAddresses, chainId: 1 })),
        "PRODUCTION_INPUT_INVALID",
        "addresses.chainId",
      ],
    ];
    for (const [name, run, code, field] of cases) it(`${name}: ${code}`, () => expectInputError(run, code, field));
  });
});
