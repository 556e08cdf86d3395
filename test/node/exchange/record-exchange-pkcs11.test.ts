/**
 * The record exchange with banks A and B on real SoftHSM2 tokens (PKCS#11): A's peer key sealed
 * under its token's KEK, the payload sealed to B's token-held transport key and opened inside B's
 * token. The other banks keep the in-memory fake.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fieldMaskOf } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { DEFAULT_MODULE_PATH } from "../../../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";
import { exchangeConsortium, type ExchangeConsortium } from "./fixture.ts";

const PIN = "exchange-pin-4711";

describe("exchange over PKCS#11 key managers (SoftHSM2)", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "kycnet-exchange-hsm-"));
  const softhsm2Conf = writeSoftHsmConf(dir);
  let net: ExchangeConsortium | undefined;

  before(async () => {
    for (const label of ["exchange-a", "exchange-b"]) {
      await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: label,
        soPin: "so-" + PIN,
        userPin: PIN,
        softhsm2Conf,
      });
    }
    net = await exchangeConsortium({
      keyManager: async (name) =>
        name === "A" || name === "B"
          ? openPkcs11KeyManager({
              modulePath: DEFAULT_MODULE_PATH,
              tokenLabel: `exchange-${name.toLowerCase()}`,
              pin: PIN,
              softhsm2Conf,
              sessions: 2,
            })
          : new MemoryKeyManager(),
    });
  });
  after(async () => {
    await net?.stop(); // closes every key manager, releasing the PKCS#11 module
    rmSync(dir, { recursive: true, force: true });
  });

  it("B fetches and verifies the granted fields; the payload opens only inside B's token", async () => {
    const { A, B, C } = net!.banks;
    expect(A.keys).to.not.be.instanceOf(MemoryKeyManager);
    const record = await net!.issue();
    const mask = fieldMaskOf(["idNumber", "fullName", "faceTemplate"]);
    const { consentId } = await net!.grant(record, B, mask);
    const fetched = await B.client.fetchRecord({
      address: A.address(),
      consentId,
      attestation: record.proof,
      fields: mask,
    });
    expect(fetched.fields.idNumber).to.equal(record.commitment.fields.idNumber);
    expect(fetched.faceTemplate).to.deep.equal(record.template);
    // C (a member, not the grantee) is refused even with B's consent id.
    try {
      await C.client.fetchRecord({ address: A.address(), consentId, attestation: record.proof, fields: mask });
      expect.fail("C was served");
    } catch (error) {
      expect((error as { status?: string }).status).to.equal("NOT_GRANTEE");
    }
  });

  it("A's libp2p identity is the one its token sealed, and matches what the chain publishes", async () => {
    const { A } = net!.banks;
    const onChain = await A.ledger.findMember(A.account);
    expect(Buffer.from(onChain!.peerId).equals(Buffer.from(A.host.peerIdBytes))).to.equal(true);
    expect(Buffer.from(onChain!.transportKey).equals(Buffer.from(await A.keys.getTransportPublicKey()))).to.equal(true);
  });

  it("`kycnet peer init` creates the sealed key file once and prints the same peer id on re-run; a wrong PIN prints no secret", async () => {
    await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "exchange-cli",
      soPin: "so-" + PIN,
      userPin: PIN,
      softhsm2Conf,
    });
    const keyFile = join(dir, "peer-key.json");
    const env = {
      ...process.env,
      SOFTHSM2_CONF: softhsm2Conf,
      KYCNET_HSM_TOKEN_LABEL: "exchange-cli",
      KYCNET_HSM_PIN: PIN,
    };
    const run = async (extraEnv: Record<string, string> = {}) =>
      promisify(execFile)("./bin/kycnet", ["peer", "init", "--key-file", keyFile, "--json"], {
        env: { ...env, ...extraEnv },
      });
    const first = JSON.parse((await run()).stdout) as { peerId: string; peerIdBytes: string; created: boolean };
    const second = JSON.parse((await run()).stdout) as typeof first;
    expect(first.created).to.equal(true);
    expect(second.created).to.equal(false);
    expect(second.peerId)
      .to.equal(first.peerId)
      .and.match(/^12D3KooW/);
    expect(second.peerIdBytes)
      .to.equal(first.peerIdBytes)
      .and.match(/^0x0024080112/);
    const wrongPin = await run({ KYCNET_HSM_PIN: "not-the-pin" }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(wrongPin?.code).to.equal(3);
    expect(wrongPin?.stderr).to.contain("HSM_PIN_INCORRECT").and.not.contain("not-the-pin");
  });
});
