import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeAddress, decodeRlp, getAddress } from "ethers";
import {
  QBFT_MIX_HASH,
  buildGenesisBundle,
  parseGenesisInput,
  qbftExtraData,
  writeGenesisBundle,
} from "../../../scripts/production/qbft-genesis.ts";
import { ProductionInputError, type ProductionInputCode } from "../../../scripts/production/errors.ts";
import { bankAccount, besuPublicKey, genesisInput, validatorKey, validators } from "./fixtures.ts";

/** The genesis file as the tests read it: the `config` section and the top-level fields. */
type GenesisJson = { readonly config: Record<string, unknown> } & Record<string, unknown>;

const build = (overrides: Record<string, unknown> = {}) =>
  buildGenesisBundle(parseGenesisInput(genesisInput(overrides)));

function expectInputError(overrides: Record<string, unknown>, code: ProductionInputCode, field: string): void {
  try {
    parseGenesisInput(genesisInput(overrides));
  } catch (error) {
    expect(
      error instanceof ProductionInputError && error.code === code,
      `expected ${code}, got ${String(error)}`,
    ).to.equal(true);
    expect((error as { field: string }).field).to.equal(field);
    return;
  }
  expect.fail(`expected ${code} at ${field}`);
}

describe("production: QBFT genesis", () => {
  describe("extraData", () => {
    it("decodes back to vanity, the validators in address order, no vote, empty round, no seals", () => {
      const bundle = build();
      const decoded = decodeRlp(bundle.extraData) as [string, string[], string[], string, string[]];
      expect(decoded).to.have.length(5);
      expect(decoded[0]).to.equal(`0x${"00".repeat(32)}`);
      const expected = [0, 1, 2, 3]
        .map((i) => computeAddress(validatorKey(i).publicKey))
        .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      expect(decoded[1].map((a) => getAddress(a))).to.deep.equal(expected);
      expect(decoded[2]).to.deep.equal([]);
      expect(decoded[3]).to.equal("0x");
      expect(decoded[4]).to.deep.equal([]);
      expect(bundle.validators.map((v) => v.address)).to.deep.equal(expected);
    });

    it("matches the known byte layout for one validator (list header, 32-byte vanity, c0 80 c0 tail)", () => {
      const address = "0x" + "ab".repeat(20);
      expect(qbftExtraData([address])).to.equal(`0xf83aa0${"00".repeat(32)}d594${"ab".repeat(20)}c080c0`);
    });

    // Published QBFT genesis files (the example genesis of Besu's QBFT documentation, and a GoQuorum
    // QBFT network's), each with 4 validators: our encoding must give the same bytes for the same list.
    const PUBLISHED: Array<[string, string[]]> = [
      [
        "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0",
        [
          "0x64a702e6263b7297a96638cac6ae65e6541f4169",
          "0x3923390ad55e90c237593b3b0e401f3b08a03185",
          "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
          "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
        ],
      ],
      [
        "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549493917cadbace5dfce132b991732c6cda9bcc5b8a9427a97c9aaf04f18f3014c32e036dd0ac76da5f1894ce412f988377e31f4d0ff12d74df73b51c42d0ca9498c1334496614aed49d2e81526d089f7264fed9cc080c0",
        [
          "0x93917cadbace5dfce132b991732c6cda9bcc5b8a",
          "0x27a97c9aaf04f18f3014c32e036dd0ac76da5f18",
          "0xce412f988377e31f4d0ff12d74df73b51c42d0ca",
          "0x98c1334496614aed49d2e81526d089f7264fed9c",
        ],
      ],
    ];
    for (const [published, list] of PUBLISHED) {
      it(`reproduces a published QBFT genesis extraData byte for byte (${list[0]!.slice(0, 10)}…)`, () => {
        expect(qbftExtraData(list)).to.equal(published);
        expect(qbftExtraData(list.map((a) => getAddress(a)))).to.equal(published);
      });
    }

    it("takes a validator given by address only, and accepts the 65-byte 04-prefixed key form", () => {
      const byAddress = validators(1).map((v) => ({
        name: v.name,
        address: computeAddress(validatorKey(0).publicKey),
        p2pHost: v.p2pHost,
        rpcHost: v.rpcHost,
      }));
      const withPrefix = { ...validators(2)[1], publicKey: validatorKey(1).publicKey };
      const bundle = build({ validators: [...byAddress, withPrefix] });
      expect(bundle.validators.map((v) => v.address)).to.include(computeAddress(validatorKey(0).publicKey));
      expect(bundle.staticNodes).to.have.length(1);
      expect(bundle.warnings.join(" ")).to.match(/no publicKey for validator-0/);
    });
  });

  describe("genesis.json", () => {
    it("has config.qbft, the chain id, Cancun from block 0, QBFT mixHash and difficulty 1", () => {
      const g = build({ requestTimeoutSeconds: 6 }).genesis as GenesisJson;
      expect(g.config.chainId).to.equal(84710);
      expect(g.config.qbft).to.deep.equal({ blockperiodseconds: 2, epochlength: 30000, requesttimeoutseconds: 6 });
      expect(g.config.londonBlock).to.equal(0);
      expect(g.config.cancunTime).to.equal(0);
      expect(g.config).to.not.have.property("pragueTime");
      expect(g.mixHash).to.equal(QBFT_MIX_HASH);
      expect(g.difficulty).to.equal("0x1");
      expect(g.gasLimit).to.equal("0x2faf080");
      expect(g.nonce).to.equal("0x0");
      expect(g.timestamp).to.equal("0x0");
    });

    it("activates Prague when asked", () => {
      expect((build({ evmVersion: "prague" }).genesis as GenesisJson).config.pragueTime).to.equal(0);
    });
  });

  describe("gas modes", () => {
    it("zero gas: zeroBaseFee, base fee 0 in genesis, min-gas-price=0 in every validator config", () => {
      const bundle = build({ zeroGasPrice: true });
      const g = bundle.genesis as GenesisJson;
      expect(g.config.zeroBaseFee).to.equal(true);
      expect(g.baseFeePerGas).to.equal("0x0");
      for (const v of bundle.validatorTomls) expect(v.toml).to.match(/^min-gas-price=0$/m);
    });

    it("priced gas: pre-funded bank accounts in alloc, no zeroBaseFee, no min-gas-price override", () => {
      const bundle = build({
        zeroGasPrice: false,
        alloc: [{ account: bankAccount(1), balanceWei: "1000000000000000000000" }],
      });
      const g = bundle.genesis as GenesisJson;
      expect(g.config).to.not.have.property("zeroBaseFee");
      expect(g).to.not.have.property("baseFeePerGas");
      expect(g.alloc).to.deep.equal({ [bankAccount(1).slice(2).toLowerCase()]: { balance: "0x3635c9adc5dea00000" } });
      for (const v of bundle.validatorTomls) expect(v.toml).to.not.match(/min-gas-price/);
    });
  });

  describe("validator configs", () => {
    it("JSON-RPC on the internal interface with ETH/NET/WEB3/QBFT only, no websocket or GraphQL, metrics internal", () => {
      const bundle = build();
      const t = bundle.validatorTomls.find((v) => v.name === "validator-2")!.toml;
      expect(t).to.match(/^rpc-http-host="10\.0\.0\.12"$/m);
      expect(t).to.match(/^rpc-http-api=\["ETH", "NET", "WEB3", "QBFT"\]$/m);
      expect(t).to.not.match(/ADMIN|DEBUG|TRACE|TXPOOL|MINER|PERM"/);
      expect(t).to.match(/^rpc-ws-enabled=false$/m);
      expect(t).to.match(/^graphql-http-enabled=false$/m);
      expect(t).to.match(/^metrics-host="10\.0\.0\.12"$/m);
      expect(t).to.match(/^p2p-host="198\.51\.100\.12"$/m);
      expect(t).to.match(/^host-allowlist=\["localhost", "127\.0\.0\.1", "10\.0\.0\.12"\]$/m);
      expect(t).to.not.match(/\*/);
    });

    it("JSON-RPC requires a JWT (ES256) checked against the public key file beside the genesis", () => {
      const t = build().validatorTomls[0]!.toml;
      expect(t).to.match(/^rpc-http-authentication-enabled=true$/m);
      expect(t).to.match(/^rpc-http-authentication-jwt-public-key-file=".*\/rpc-jwt-public\.pem"$/m);
      expect(t).to.match(/^rpc-http-authentication-jwt-algorithm="ES256"$/m);
    });

    it("static nodes only by default (discovery off); bootnodes turn discovery on with their enode URLs", () => {
      const statics = build();
      expect(statics.staticNodes).to.have.length(4);
      expect(statics.staticNodes).to.include(`enode://${besuPublicKey(0).slice(2)}@198.51.100.10:30303`);
      expect(statics.validatorTomls[0]!.toml).to.match(/^discovery-enabled=false$/m);
      const boot = build({ bootnodes: ["validator-1"] });
      expect(boot.validatorTomls[0]!.toml).to.match(/^discovery-enabled=true$/m);
      expect(boot.validatorTomls[0]!.toml).to.include(
        `bootnodes=["enode://${besuPublicKey(1).slice(2)}@198.51.100.11:30303"]`,
      );
    });

    it("local permissioning: the accounts allowlist and a nodes allowlist holding every validator plus extra nodes", () => {
      const extra = `enode://${besuPublicKey(9).slice(2)}@10.9.9.9:30303`;
      const bundle = build({ permissioning: { accounts: [bankAccount(1), bankAccount(2)], nodes: [extra] } });
      expect(bundle.permissionsToml).to.include(`accounts-allowlist=["${bankAccount(1)}", "${bankAccount(2)}"]`);
      const nodes = /^nodes-allowlist=(.*)$/m.exec(bundle.permissionsToml!)![1]!;
      expect(JSON.parse(nodes)).to.have.members([...bundle.staticNodes, extra]);
      expect(bundle.validatorTomls[0]!.toml).to.match(/^permissions-nodes-config-file-enabled=true$/m);
      expect(bundle.validatorTomls[0]!.toml).to.match(/^permissions-accounts-config-file-enabled=true$/m);
      expect(build().permissionsToml).to.equal(undefined);
    });

    it("the documented example (scripts/production/examples/consortium.json) is valid, without warnings about keys", () => {
      const example = JSON.parse(
        readFileSync(new URL("../../../scripts/production/examples/consortium.json", import.meta.url), "utf8"),
      ) as unknown;
      const bundle = buildGenesisBundle(parseGenesisInput(example));
      expect(bundle.validators).to.have.length(4);
      expect(bundle.warnings.join(" ")).to.not.match(/publicKey|validator\(s\)/);
    });

    it("warns below 4 validators (no fault tolerance)", () => {
      expect(build({ validators: validators(3) }).warnings.join(" ")).to.match(/3 validator\(s\)/);
      expect(build().warnings).to.deep.equal([]);
    });

    it("writes genesis.json, static-nodes.json, validators.json, permissions and one config.toml per validator", () => {
      const dir = mkdtempSync(join(tmpdir(), "kycnet-genesis-"));
      try {
        const bundle = build({ permissioning: { nodes: [] } });
        writeGenesisBundle(bundle, dir);
        expect(JSON.parse(readFileSync(join(dir, "genesis.json"), "utf8"))).to.deep.equal(bundle.genesis);
        expect(JSON.parse(readFileSync(join(dir, "static-nodes.json"), "utf8"))).to.deep.equal(bundle.staticNodes);
        expect(JSON.parse(readFileSync(join(dir, "validators.json"), "utf8")).extraData).to.equal(bundle.extraData);
        expect(existsSync(join(dir, "permissions_config.toml"))).to.equal(true);
        for (let i = 0; i < 4; i++)
          expect(existsSync(join(dir, "validators", `validator-${i}`, "config.toml"))).to.equal(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("input errors name the field", () => {
    const v = validators(4);
    const cases: Array<[string, Record<string, unknown>, ProductionInputCode, string]> = [
      ["not an object", { validators: "x" }, "PRODUCTION_INPUT_INVALID", "validators"],
      ["unknown setting", { chainID: 5 }, "PRODUCTION_INPUT_INVALID", "chainID"],
      ["chainId Ethereum mainnet", { chainId: 1 }, "CHAIN_ID_RESERVED", "chainId"],
      ["chainId Goerli", { chainId: 5 }, "CHAIN_ID_RESERVED", "chainId"],
      ["chainId Sepolia", { chainId: 11155111 }, "CHAIN_ID_RESERVED", "chainId"],
      ["chainId Hardhat", { chainId: 31337 }, "CHAIN_ID_RESERVED", "chainId"],
      ["chainId zero", { chainId: 0 }, "VALUE_OUT_OF_RANGE", "chainId"],
      ["chainId not an integer", { chainId: "84710" }, "PRODUCTION_INPUT_INVALID", "chainId"],
      ["block period 0", { blockPeriodSeconds: 0 }, "VALUE_OUT_OF_RANGE", "blockPeriodSeconds"],
      ["block period 61", { blockPeriodSeconds: 61 }, "VALUE_OUT_OF_RANGE", "blockPeriodSeconds"],
      ["block period fractional", { blockPeriodSeconds: 1.5 }, "PRODUCTION_INPUT_INVALID", "blockPeriodSeconds"],
      [
        "request timeout not above the block period",
        { blockPeriodSeconds: 5, requestTimeoutSeconds: 5 },
        "VALUE_OUT_OF_RANGE",
        "requestTimeoutSeconds",
      ],
      ["epoch too short", { epochLength: 10 }, "VALUE_OUT_OF_RANGE", "epochLength"],
      ["gas limit too small", { gasLimit: 1_000_000 }, "VALUE_OUT_OF_RANGE", "gasLimit"],
      ["EVM too old for the contracts", { evmVersion: "london" }, "PRODUCTION_INPUT_INVALID", "evmVersion"],
      ["zeroGasPrice missing", { zeroGasPrice: undefined }, "PRODUCTION_INPUT_INVALID", "zeroGasPrice"],
      ["priced gas without pre-funding", { zeroGasPrice: false }, "PRODUCTION_INPUT_INVALID", "alloc"],
      [
        "alloc bad amount",
        { alloc: [{ account: bankAccount(1), balanceWei: 1e21 }] },
        "PRODUCTION_INPUT_INVALID",
        "alloc[0].balanceWei",
      ],
      [
        "alloc twice",
        {
          alloc: [
            { account: bankAccount(1), balanceWei: "1" },
            { account: bankAccount(1), balanceWei: "2" },
          ],
        },
        "PRODUCTION_INPUT_INVALID",
        "alloc[1].account",
      ],
      ["no validators", { validators: [] }, "VALUE_OUT_OF_RANGE", "validators"],
      [
        "duplicate validator key",
        { validators: [...v, { ...v[0], name: "again", p2pHost: "198.51.100.99" }] },
        "VALIDATOR_DUPLICATE",
        "validators[4]",
      ],
      [
        "duplicate validator name",
        { validators: [v[0], { ...v[1], name: "validator-0" }] },
        "VALIDATOR_DUPLICATE",
        "validators[1].name",
      ],
      [
        "duplicate p2p endpoint",
        { validators: [v[0], { ...v[1], p2pHost: "198.51.100.10" }] },
        "VALIDATOR_DUPLICATE",
        "validators[1].p2pHost",
      ],
      [
        "bad address",
        { validators: [{ ...v[0], publicKey: undefined, address: "0x1234" }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].address",
      ],
      [
        "bad address checksum",
        { validators: [{ ...v[0], publicKey: undefined, address: "0x" + "aB".repeat(20) }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].address",
      ],
      [
        "neither key nor address",
        { validators: [{ ...v[0], publicKey: undefined }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0]",
      ],
      [
        "public key not on the curve",
        { validators: [{ ...v[0], publicKey: "0x" + "11".repeat(64) }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].publicKey",
      ],
      [
        "public key wrong length",
        { validators: [{ ...v[0], publicKey: "0x" + "11".repeat(33) }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].publicKey",
      ],
      [
        "address does not match the key",
        { validators: [{ ...v[0], address: bankAccount(1) }] },
        "VALIDATOR_KEY_MISMATCH",
        "validators[0].address",
      ],
      [
        "bad validator name",
        { validators: [{ ...v[0], name: "../etc" }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].name",
      ],
      [
        "p2p host not an IPv4",
        { validators: [{ ...v[0], p2pHost: "bank.example" }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].p2pHost",
      ],
      [
        "RPC on a public interface",
        { validators: [{ ...v[0], rpcHost: "0.0.0.0" }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].rpcHost",
      ],
      [
        "RPC on a public address",
        { validators: [{ ...v[0], rpcHost: "8.8.8.8" }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].rpcHost",
      ],
      [
        "port out of range",
        { validators: [{ ...v[0], p2pPort: 70000 }] },
        "VALUE_OUT_OF_RANGE",
        "validators[0].p2pPort",
      ],
      [
        "metrics port equal to RPC port",
        { validators: [{ ...v[0], metricsPort: 8545 }] },
        "PRODUCTION_INPUT_INVALID",
        "validators[0].metricsPort",
      ],
      [
        "too many validators",
        { validators: Array.from({ length: 65 }, () => v[0]) },
        "VALUE_OUT_OF_RANGE",
        "validators",
      ],
      ["unknown bootnode", { bootnodes: ["nobody"] }, "PRODUCTION_INPUT_INVALID", "bootnodes[0]"],
      [
        "bad allowlisted account",
        { permissioning: { accounts: ["0xzz"] } },
        "PRODUCTION_INPUT_INVALID",
        "permissioning.accounts[0]",
      ],
      [
        "bad allowlisted node",
        { permissioning: { nodes: ["enode://abc@1.2.3.4:1"] } },
        "PRODUCTION_INPUT_INVALID",
        "permissioning.nodes[0]",
      ],
      [
        "node allowlist with a key-less validator",
        { validators: [{ ...v[0], publicKey: undefined, address: bankAccount(3) }], permissioning: { nodes: [] } },
        "PRODUCTION_INPUT_INVALID",
        "permissioning.nodes",
      ],
      ["relative Besu path", { paths: { dataPath: "data" } }, "PRODUCTION_INPUT_INVALID", "paths.dataPath"],
      ["path with a quote", { paths: { configDir: '/etc/"x' } }, "PRODUCTION_INPUT_INVALID", "paths.configDir"],
      ["wildcard RPC host allowlist", { rpcAllowedHosts: ["*"] }, "PRODUCTION_INPUT_INVALID", "rpcAllowedHosts[0]"],
    ];
    for (const [name, overrides, code, field] of cases) {
      it(`${name}: ${code} at ${field}`, () => expectInputError(overrides, code, field));
    }

    it("refuses a non-object root", () => {
      for (const root of [null, [], "x", 42]) {
        expect(() => parseGenesisInput(root))
          .to.throw()
          .with.property("code", "PRODUCTION_INPUT_INVALID");
      }
    });
  });
});
