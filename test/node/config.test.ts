import { expect } from "chai";
import { parseNodeConfig } from "../../node/src/config.ts";
import type { ConfigProblem } from "../../node/src/config-problems.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

const ADDRESS = `0x${"12".repeat(20)}`;
const valid = () => ({
  name: "Bank A",
  dataDir: "data/bank-a",
  chain: {
    rpcUrl: "http://10.0.0.5:8545",
    addresses: { consortium: ADDRESS, attestations: ADDRESS, consents: ADDRESS },
  },
  custody: {
    kind: "pkcs11",
    modulePath: "/usr/lib/softhsm/libsofthsm2.so",
    tokenLabel: "bank-a",
    softhsm2Conf: "hsm/softhsm2.conf",
  },
  api: { apiKeys: [{ id: "ops-1", role: "operator", sha256: "ab".repeat(32) }] },
  exchange: {},
  registry: { url: "https://c06.example.vn" },
  sanctions: { lists: [{ format: "UN_CONSOLIDATED_XML", path: "lists/un.xml" }] },
  anchoring: {},
  attestation: {},
  log: {},
});

function expectInvalid(input: unknown, path: string) {
  try {
    parseNodeConfig(input, "/etc/kycnet");
  } catch (error) {
    expect(isKycnetError(error, "CONFIG_INVALID"), String(error)).to.equal(true);
    expect((error as { details: { path: string } }).details.path).to.equal(path);
    return;
  }
  expect.fail(`accepted a configuration with a bad ${path}`);
}

describe("node/config", () => {
  it("fills defaults and resolves relative paths against the configuration file's folder", () => {
    const config = parseNodeConfig(valid(), "/etc/kycnet");
    expect(config.dataDir).to.equal("/etc/kycnet/data/bank-a");
    expect(config.sanctions.lists[0]!.path).to.equal("/etc/kycnet/lists/un.xml");
    expect(config.custody).to.include({ pinEnv: "KYCNET_HSM_PIN", softhsm2Conf: "/etc/kycnet/hsm/softhsm2.conf" });
    expect(config.api).to.include({ host: "127.0.0.1", port: 8080 });
    expect(config.anchoring).to.deep.equal({
      maxBatch: 256,
      maxDelayMs: 2000,
      auditAnchorIntervalMs: 900_000,
      chainClockSkewMs: 1_000,
    });
    expect(config.exchange).to.deep.equal({ listen: ["/ip4/127.0.0.1/tcp/0"], peers: [] });
  });

  it("accepts the HSM key labels of a rotated signing key", () => {
    const input = valid();
    const config = parseNodeConfig({
      ...input,
      custody: { ...input.custody, keyLabels: { signing: "kycnet/signing-next" } },
    });
    expect(config.custody.kind === "pkcs11" && config.custody.keyLabels?.signing).to.equal("kycnet/signing-next");
  });

  /** The problems a configuration is refused with (fails the test if it is accepted). */
  function problemsOf(input: unknown): ConfigProblem[] {
    try {
      parseNodeConfig(input, "/etc/kycnet");
    } catch (error) {
      expect(isKycnetError(error, "CONFIG_INVALID"), String(error)).to.equal(true);
      return (error as { details: { problems: ConfigProblem[] } }).details.problems;
    }
    return expect.fail("accepted an invalid configuration");
  }

  it("fills the sections that may be left out (exchange, anchoring, attestation, log) with their defaults", () => {
    const { exchange, anchoring, attestation, log, ...required } = valid();
    expect([exchange, anchoring, attestation, log]).to.deep.equal([{}, {}, {}, {}]);
    const config = parseNodeConfig(required, "/etc/kycnet");
    expect(config.exchange).to.deep.equal({ listen: ["/ip4/127.0.0.1/tcp/0"], peers: [] });
    expect(config.anchoring).to.deep.equal({
      maxBatch: 256,
      maxDelayMs: 2000,
      auditAnchorIntervalMs: 900_000,
      chainClockSkewMs: 1_000,
    });
    expect(config.attestation).to.deep.equal({ pipelineVersion: "ekyc/0.1.0", validityDays: 1825 });
    expect(config.log).to.deep.equal({ level: "info" });
  });

  it("still requires the sections without defaults", () => {
    const { registry, sanctions, chain, custody, api, ...rest } = valid();
    expect([registry, sanctions, chain, custody, api].every((s) => s !== undefined)).to.equal(true);
    const paths = problemsOf(rest).map((p) => p.path);
    expect(paths).to.have.members(["/chain", "/custody", "/api", "/registry", "/sanctions"]);
  });

  describe("when several settings are wrong", () => {
    const broken = () => ({
      ...valid(),
      apiKey: "ab".repeat(32),
      registry: {},
      log: { level: "loud" },
      api: { apiKeys: [{ id: "ops-1", role: "root", sha256: "plain-text-key" }] },
    });
    const BROKEN_PATHS = ["/apiKey", "/registry/url", "/log/level", "/api/apiKeys/0/role", "/api/apiKeys/0/sha256"];

    it("lists every failing setting at once, each with its path and what was expected", () => {
      const problems = problemsOf(broken());
      expect(problems.map((p) => p.path)).to.have.members(BROKEN_PATHS);
      const at = (path: string) => problems.find((p) => p.path === path)!.expected;
      expect(at("/registry/url")).to.match(/required/);
      expect(at("/log/level")).to.equal('Expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"');
      expect(at("/api/apiKeys/0/role")).to.equal('Expected one of "operator", "reviewer", "auditor", "core-banking"');
      expect(at("/api/apiKeys/0/sha256")).to.match(/\^\[0-9a-f\]\{64\}\$/);
    });
    it("puts them all in the message, one line each", () => {
      try {
        parseNodeConfig(broken(), "/etc/kycnet");
        expect.fail("accepted");
      } catch (error) {
        const message = (error as Error).message;
        expect(message).to.match(/^configuration 5 problems:/);
        for (const path of BROKEN_PATHS) expect(message).to.include(`\n  ${path}: `);
      }
    });
    it("suggests the setting an unknown key is probably a typo of, in its section or elsewhere", () => {
      const typos = { apiKey: "x", anchorig: {}, chain: { ...valid().chain, confirmation: 2 } };
      const problems = problemsOf({ ...valid(), ...typos });
      const guess = (path: string) => problems.find((p) => p.path === path)?.didYouMean;
      expect(guess("/apiKey")).to.equal("api.apiKeys");
      expect(guess("/anchorig")).to.equal("anchoring");
      expect(guess("/chain/confirmation")).to.equal("chain.confirmations");
    });
    it("makes no suggestion for a key like nothing known", () => {
      const [problem] = problemsOf({ ...valid(), favouriteColour: "blue" });
      expect(problem).to.deep.equal({ path: "/favouriteColour", expected: "unknown setting" });
    });
    it("never echoes a value: a secret in the wrong place stays out of the message", () => {
      try {
        parseNodeConfig({ ...valid(), custody: { ...valid().custody, pin: "secret-pin-4321" } }, "/etc/kycnet");
        expect.fail("accepted");
      } catch (error) {
        expect(String(error)).to.not.include("secret-pin-4321");
        expect(JSON.stringify((error as { details: unknown }).details)).to.not.include("secret-pin-4321");
      }
    });
    it("reports the custody branch its kind names, not why it is not the other kind", () => {
      const problems = problemsOf({ ...valid(), custody: { ...valid().custody, pin: "1234" } });
      expect(problems).to.deep.equal([
        { path: "/custody/pin", expected: "unknown setting", didYouMean: "custody.pinEnv" },
      ]);
    });
  });

  describe("when a setting is wrong", () => {
    it("names the path of an unknown setting (a typo never goes unnoticed)", () =>
      expectInvalid({ ...valid(), anchorig: {} }, "/anchorig"));
    it("names a bad contract address", () =>
      expectInvalid(
        { ...valid(), chain: { ...valid().chain, addresses: { ...valid().chain.addresses, consents: "0x12" } } },
        "/chain/addresses/consents",
      ));
    it("names a bad API key hash", () =>
      expectInvalid(
        { ...valid(), api: { apiKeys: [{ id: "ops-1", role: "operator", sha256: "plain-text-key" }] } },
        "/api/apiKeys/0/sha256",
      ));
    it("refuses a PIN put in the file", () =>
      expectInvalid({ ...valid(), custody: { ...valid().custody, pin: "1234" } }, "/custody/pin"));
    it("refuses an unknown role", () =>
      expectInvalid(
        { ...valid(), api: { apiKeys: [{ id: "x", role: "root", sha256: "ab".repeat(32) }] } },
        "/api/apiKeys/0/role",
      ));
  });
});
