import { expect } from "chai";
import { parseNodeConfig } from "../../node/src/config.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

const ADDRESS = `0x${"12".repeat(20)}`;
const valid = () => ({
  name: "Bank A", dataDir: "data/bank-a",
  chain: { rpcUrl: "http://10.0.0.5:8545", addresses: { consortium: ADDRESS, attestations: ADDRESS, consents: ADDRESS } },
  custody: { kind: "pkcs11", modulePath: "/usr/lib/softhsm/libsofthsm2.so", tokenLabel: "bank-a", softhsm2Conf: "hsm/softhsm2.conf" },
  api: { apiKeys: [{ id: "ops-1", role: "operator", sha256: "ab".repeat(32) }] },
  exchange: {},
  registry: { url: "https://c06.example.vn" },
  sanctions: { lists: [{ format: "UN_CONSOLIDATED_XML", path: "lists/un.xml" }] },
  anchoring: {}, attestation: {}, log: {},
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
    expect(config.anchoring).to.deep.equal({ maxBatch: 256, maxDelayMs: 2000 });
    expect(config.exchange).to.deep.equal({ listen: ["/ip4/127.0.0.1/tcp/0"], peers: [] });
  });

  it("accepts the HSM key labels of a rotated signing key", () => {
    const input = valid();
    const config = parseNodeConfig({ ...input, custody: { ...input.custody, keyLabels: { signing: "kycnet/signing-next" } } });
    expect(config.custody.kind === "pkcs11" && config.custody.keyLabels?.signing).to.equal("kycnet/signing-next");
  });

  describe("when a setting is wrong", () => {
    it("names the path of an unknown setting (a typo never goes unnoticed)", () => expectInvalid({ ...valid(), anchorig: {} }, "/anchorig"));
    it("names a bad contract address", () => expectInvalid({ ...valid(), chain: { ...valid().chain, addresses: { ...valid().chain.addresses, consents: "0x12" } } }, "/chain/addresses/consents"));
    it("names a bad API key hash", () => expectInvalid({ ...valid(), api: { apiKeys: [{ id: "ops-1", role: "operator", sha256: "plain-text-key" }] } }, "/api/apiKeys/0/sha256"));
    it("refuses a PIN put in the file", () => expectInvalid({ ...valid(), custody: { ...valid().custody, pin: "1234" } }, "/custody"));
    it("refuses an unknown role", () => expectInvalid({ ...valid(), api: { apiKeys: [{ id: "x", role: "root", sha256: "ab".repeat(32) }] } }, "/api/apiKeys/0/role"));
  });
});
