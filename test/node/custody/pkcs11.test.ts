/**
 * The PKCS#11 adapter against real SoftHSM2 tokens: two banks provisioned in a fresh temp token
 * store for this run, the compliance suite, then what only a real token can show (keys that cannot
 * be read or wrapped out, configuration errors, provisioning idempotency, the CLI).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect, promisify } from "node:util";
import { randomBytes, toUtf8Bytes } from "ethers";
import pkcs11js from "pkcs11js";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import {
  DEFAULT_KEY_LABELS,
  DEFAULT_MODULE_PATH,
  pkcs11ConfigFromEnv,
  type Pkcs11Config,
} from "../../../node/src/custody/pkcs11/config.ts";
import { findObjects } from "../../../node/src/custody/pkcs11/keys.ts";
import { acquireModule } from "../../../node/src/custody/pkcs11/module-registry.ts";
import { openPkcs11KeyManager, type Pkcs11KeyManager } from "../../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { getTokenSlot, login } from "../../../node/src/custody/pkcs11/token.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";
import { createMetrics } from "../../../node/src/observability/metrics.ts";
import { describeKeyManagerCompliance, expectCode } from "./key-manager.compliance.ts";

const SO_PIN = "so-pin-for-tests";
const PIN = "user-pin-4711";

describe("custody/pkcs11 (SoftHSM2)", function () {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-hsm-"));
  const softhsm2Conf = writeSoftHsmConf(dir);
  const config = (tokenLabel: string, extra: Partial<Pkcs11Config> = {}): Pkcs11Config => ({
    modulePath: DEFAULT_MODULE_PATH,
    tokenLabel,
    pin: PIN,
    softhsm2Conf,
    sessions: 4,
    ...extra,
  });
  const open: Pkcs11KeyManager[] = [];
  const provisioned: Record<string, Awaited<ReturnType<typeof provisionToken>>> = {};

  before(async () => {
    for (const bank of ["bank-a", "bank-b"]) {
      provisioned[bank] = await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: bank,
        soPin: SO_PIN,
        userPin: PIN,
        softhsm2Conf,
      });
    }
  });
  after(async () => {
    for (const km of open) await km.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const openKm = async (tokenLabel: string, extra: Partial<Pkcs11Config> = {}) => {
    const km = await openPkcs11KeyManager(config(tokenLabel, extra));
    open.push(km);
    return km;
  };

  describeKeyManagerCompliance(
    "PKCS#11, SoftHSM2",
    async () => ({
      bankA: await openKm("bank-a"),
      // Bank B runs a smaller pool: its 8 concurrent callers queue on 2 sessions.
      bankB: await openKm("bank-b", { sessions: 2 }),
      openAnotherA: () => openPkcs11KeyManager(config("bank-a")),
    }),
    async () => {},
  );

  describe("operation observer (the node's kycnet_hsm_operations_total)", () => {
    it("counts each completed signature, record seal and open, and ECDH in the node's metrics", async () => {
      const metrics = createMetrics({ processMetrics: false });
      const km = await openKm("bank-a", { onOperation: (op) => metrics.countHsmOperation(op) });
      const peer = await openKm("bank-b");
      await km.signDigest(randomBytes(32));
      await km.signDigest(randomBytes(32));
      const sealed = await km.sealRecord("rec-1", toUtf8Bytes("record"));
      await km.openRecord("rec-1", sealed);
      const aad = toUtf8Bytes("consent");
      await peer.openFromPeer(await km.sealForPeer(await peer.getTransportPublicKey(), toUtf8Bytes("x"), aad), aad);
      const text = await metrics.render();
      expect(text).to.contain('kycnet_hsm_operations_total{operation="sign"} 2');
      expect(text).to.contain('kycnet_hsm_operations_total{operation="wrap"} 1');
      expect(text).to.contain('kycnet_hsm_operations_total{operation="unwrap"} 1');
      expect(text).to.contain('kycnet_hsm_operations_total{operation="ecdh"} 1');
    });

    it("does not count an operation the token refused", async () => {
      const seen: string[] = [];
      const km = await openKm("bank-a", { onOperation: (op) => seen.push(op) });
      const sealed = await km.sealRecord("rec-2", toUtf8Bytes("record"));
      seen.length = 0;
      await expectCode(km.openRecord("rec-other", sealed), "CIPHERTEXT_REJECTED");
      expect(seen).to.deep.equal([]);
    });
  });

  describe("provisioning", () => {
    it("created both tokens with all three keys, and the address derives from the token's public point", async () => {
      expect(provisioned["bank-a"]!.tokenCreated).to.equal(true);
      expect(provisioned["bank-a"]!.keys).to.deep.equal({ signing: "created", kek: "created", transport: "created" });
      const km = await openKm("bank-a");
      expect(await km.getAddress()).to.equal(provisioned["bank-a"]!.address);
    });

    it("is idempotent: a re-run keeps the token and every key", async () => {
      const again = await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: "bank-a",
        soPin: SO_PIN,
        userPin: PIN,
        softhsm2Conf,
      });
      expect(again.tokenCreated).to.equal(false);
      expect(again.keys).to.deep.equal({ signing: "existing", kek: "existing", transport: "existing" });
      expect(again.address).to.equal(provisioned["bank-a"]!.address);
      expect(again.transportPublicKey).to.equal(provisioned["bank-a"]!.transportPublicKey);
    });

    it("refuses a SoftHSM2 directory whose path would add lines to softhsm2.conf", () => {
      expect(() => writeSoftHsmConf(`${dir}/x\nlog.level = DEBUG`)).to.throw(/confDir/);
    });

    it("rejects a too-short PIN before touching the token", async () => {
      await expectCode(
        provisionToken({
          modulePath: DEFAULT_MODULE_PATH,
          tokenLabel: "bank-c",
          soPin: SO_PIN,
          userPin: "12",
          softhsm2Conf,
        }),
        "INVALID_ARGUMENT",
      );
    });

    it("`kycnet token init` provisions a token in its own directory, and a re-run prints the same keys", async function () {
      this.timeout(60_000);
      const cliDir = mkdtempSync(join(tmpdir(), "kycnet-hsm-cli-"));
      try {
        const run = () =>
          promisify(execFile)(
            "./bin/kycnet",
            ["token", "init", "--conf-dir", cliDir, "--label", "bank-cli", "--json"],
            {
              env: { ...process.env, KYCNET_HSM_SO_PIN: SO_PIN, KYCNET_HSM_PIN: PIN },
            },
          );
        const first = JSON.parse((await run()).stdout) as {
          address: string;
          transportPublicKey: string;
          tokenCreated: boolean;
          softhsm2Conf: string;
        };
        const second = JSON.parse((await run()).stdout) as typeof first;
        expect(first.tokenCreated).to.equal(true);
        expect(second.tokenCreated).to.equal(false);
        expect(second.address)
          .to.equal(first.address)
          .and.match(/^0x[0-9a-fA-F]{40}$/);
        expect(second.transportPublicKey)
          .to.equal(first.transportPublicKey)
          .and.match(/^0x0[23][0-9a-f]{64}$/);
        expect(first.softhsm2Conf).to.equal(join(cliDir, "softhsm2.conf"));
        const wrongPin = await promisify(execFile)(
          "./bin/kycnet",
          ["token", "init", "--conf-dir", cliDir, "--label", "bank-cli"],
          {
            env: { ...process.env, KYCNET_HSM_SO_PIN: SO_PIN, KYCNET_HSM_PIN: "not-the-pin" },
          },
        ).then(
          () => null,
          (e: { code: number; stderr: string }) => e,
        );
        expect(wrongPin?.code).to.equal(3);
        expect(wrongPin?.stderr).to.contain("HSM_PIN_INCORRECT").and.not.contain("not-the-pin");
      } finally {
        rmSync(cliDir, { recursive: true, force: true });
      }
    });
  });

  describe("non-extractability", () => {
    // A raw PKCS#11 session, logged in as the bank's user: what any code holding the PIN could try.
    const withSession = async <T>(fn: (p: pkcs11js.PKCS11, session: Buffer) => T): Promise<T> => {
      const module = acquireModule(DEFAULT_MODULE_PATH, softhsm2Conf);
      const session = module.pkcs11.C_OpenSession(getTokenSlot(module.pkcs11, "bank-a"), pkcs11js.CKF_SERIAL_SESSION);
      try {
        login(module.pkcs11, session, "bank-a", "user", PIN);
        return fn(module.pkcs11, session);
      } finally {
        module.pkcs11.C_CloseSession(session);
        module.release();
      }
    };
    const keyObjects = [
      { what: "signing private key", cls: pkcs11js.CKO_PRIVATE_KEY, label: DEFAULT_KEY_LABELS.signing },
      { what: "transport private key", cls: pkcs11js.CKO_PRIVATE_KEY, label: DEFAULT_KEY_LABELS.transport },
      { what: "KEK", cls: pkcs11js.CKO_SECRET_KEY, label: DEFAULT_KEY_LABELS.kek },
    ];

    for (const { what, cls, label } of keyObjects) {
      it(`refuses to reveal CKA_VALUE of the ${what} (CKR_ATTRIBUTE_SENSITIVE), which was never extractable`, async () => {
        await withSession((p, session) => {
          const [handle] = findObjects(p, session, cls, label);
          expect(handle, `${label} exists`).to.not.equal(undefined);
          expect(() => p.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE }])).to.throw(
            /CKR_ATTRIBUTE_SENSITIVE/,
          );
          const [extractable, neverExtractable, sensitive] = p
            .C_GetAttributeValue(session, handle!, [
              { type: pkcs11js.CKA_EXTRACTABLE },
              { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
              { type: pkcs11js.CKA_SENSITIVE },
            ])
            .map((a) => a.value[0]);
          expect({ extractable, neverExtractable, sensitive }).to.deep.equal({
            extractable: 0,
            neverExtractable: 1,
            sensitive: 1,
          });
        });
      });
    }

    it("refuses to wrap the signing key out under the bank's own KEK (CKR_KEY_UNEXTRACTABLE)", async () => {
      await withSession((p, session) => {
        const [kek] = findObjects(p, session, pkcs11js.CKO_SECRET_KEY, DEFAULT_KEY_LABELS.kek);
        const [signing] = findObjects(p, session, pkcs11js.CKO_PRIVATE_KEY, DEFAULT_KEY_LABELS.signing);
        expect(() =>
          p.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, kek!, signing!, Buffer.alloc(512)),
        ).to.throw(/CKR_KEY_UNEXTRACTABLE|CKR_KEY_NOT_WRAPPABLE/);
      });
    });
  });

  describe("configuration errors", () => {
    it("names a wrong PIN with HSM_PIN_INCORRECT when the token is not logged in, never including the PIN", async () => {
      await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: "bank-idle",
        soPin: SO_PIN,
        userPin: PIN,
        softhsm2Conf,
      });
      const error = await expectCode(
        openPkcs11KeyManager(config("bank-idle", { pin: "wrong-pin-0000" })),
        "HSM_PIN_INCORRECT",
      );
      expect(`${error.message} ${JSON.stringify(error)} ${inspect(error.cause)}`).to.not.contain("wrong-pin-0000");
      const km = await openKm("bank-idle"); // the right PIN still works afterwards
      expect(await km.getAddress()).to.match(/^0x/);
    });

    it("names a wrong PIN with HSM_PIN_INCORRECT while the token is already logged in by another manager", async () => {
      // C_Login answers CKR_USER_ALREADY_LOGGED_IN here whatever the PIN: the adapter must still check it.
      await openKm("bank-a");
      const error = await expectCode(
        openPkcs11KeyManager(config("bank-a", { pin: "wrong-pin-1111" })),
        "HSM_PIN_INCORRECT",
      );
      expect(`${error.message} ${JSON.stringify(error)}`).to.not.contain("wrong-pin-1111");
    });

    it("refuses a second SoftHSM2 configuration while the module is in use with HSM_MODULE_BUSY", async () => {
      await openKm("bank-a");
      await expectCode(
        openPkcs11KeyManager(config("bank-a", { softhsm2Conf: join(dir, "other", "softhsm2.conf") })),
        "HSM_MODULE_BUSY",
      );
    });

    it("names an unknown token label with HSM_TOKEN_NOT_FOUND", async () => {
      const error = await expectCode(openPkcs11KeyManager(config("no-such-bank")), "HSM_TOKEN_NOT_FOUND");
      expect(error.message).to.contain("no-such-bank");
    });

    it("names an unloadable module path with HSM_MODULE_NOT_FOUND", async () => {
      const error = await expectCode(
        openPkcs11KeyManager(config("bank-a", { modulePath: "/nonexistent/libpkcs11.so", softhsm2Conf: undefined })),
        "HSM_MODULE_NOT_FOUND",
      );
      expect(error.message).to.contain("/nonexistent/libpkcs11.so");
    });

    it("names a missing key label with HSM_KEY_NOT_FOUND and its role", async () => {
      const error = await expectCode(
        openPkcs11KeyManager(config("bank-a", { keyLabels: { kek: "kycnet/kek-2031" } })),
        "HSM_KEY_NOT_FOUND",
      );
      expect(error.message).to.contain("kycnet/kek-2031").and.contain("kek");
    });

    it("refuses a key of the wrong curve under the signing label with HSM_WRONG_KEY_TYPE", async () => {
      // The P-256 transport key pair offered as the secp256k1 chain key.
      const error = await expectCode(
        openPkcs11KeyManager(config("bank-a", { keyLabels: { signing: DEFAULT_KEY_LABELS.transport } })),
        "HSM_WRONG_KEY_TYPE",
      );
      expect(error.message).to.contain("secp256k1");
    });

    it("reads the configuration from the environment and names a missing variable, not its value", async () => {
      const env = {
        KYCNET_HSM_TOKEN_LABEL: "bank-a",
        KYCNET_HSM_PIN: PIN,
        KYCNET_HSM_KEK_LABEL: "kek-2026",
        KYCNET_HSM_SESSIONS: "3",
        SOFTHSM2_CONF: softhsm2Conf,
      };
      expect(pkcs11ConfigFromEnv(env)).to.deep.include({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: "bank-a",
        pin: PIN,
        sessions: 3,
        softhsm2Conf,
      });
      expect(pkcs11ConfigFromEnv(env).keyLabels).to.deep.equal({ kek: "kek-2026" });
      expect(() => pkcs11ConfigFromEnv({ ...env, KYCNET_HSM_PIN: "" })).to.throw(/KYCNET_HSM_PIN/);
      const km = await openKm("bank-a", { ...pkcs11ConfigFromEnv({ ...env, KYCNET_HSM_KEK_LABEL: undefined }) });
      expect(await km.getAddress()).to.equal(provisioned["bank-a"]!.address);
    });

    it("rejects a session count out of range with INVALID_ARGUMENT", async () => {
      await expectCode(openPkcs11KeyManager(config("bank-a", { sessions: 0 })), "INVALID_ARGUMENT");
    });

    it("leaves the module usable after each failed open", async () => {
      const km = await openKm("bank-a");
      expect((await km.signDigest(randomBytes(32))).serialized).to.have.length(132);
    });
  });

  describe("interoperability", () => {
    it("opens a message the in-memory adapter sealed for the token's transport key, and vice versa", async () => {
      const km = await openKm("bank-b");
      const fake = new MemoryKeyManager();
      const aad = toUtf8Bytes("consent:interop");
      const toToken = await fake.sealForPeer(await km.getTransportPublicKey(), toUtf8Bytes("to the HSM"), aad);
      expect(new TextDecoder().decode(await km.openFromPeer(toToken, aad))).to.equal("to the HSM");
      const toFake = await km.sealForPeer(await fake.getTransportPublicKey(), toUtf8Bytes("from the HSM"), aad);
      expect(new TextDecoder().decode(await fake.openFromPeer(toFake, aad))).to.equal("from the HSM");
    });
  });
});
