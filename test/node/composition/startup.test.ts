import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { isKycnetError, KycnetError } from "@kycnet/sdk/errors";
import { createStartup } from "../../../node/src/composition/startup.ts";
import { parseNodeConfig } from "../../../node/src/config.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createNode } from "../../../node/src/node.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { freePort } from "../../../scripts/lib/local-chain.ts";

const silent = createLogger({ level: "silent" });
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe("node startup", () => {
  describe("createStartup", () => {
    it("closes what earlier steps opened, newest first, when a step fails, and names the step", async () => {
      const startup = createStartup(silent);
      const closed: string[] = [];
      await startup.step("first", async () => startup.onClose(async () => void closed.push("first")));
      await startup.step("second", async () => startup.onClose(async () => void closed.push("second")));
      const error = await rejection(
        startup.step("third", async () => {
          throw new Error("ECONNREFUSED");
        }),
      );
      expect(isKycnetError(error, "NODE_START_FAILED"), String(error)).to.equal(true);
      expect((error as KycnetError).details).to.deep.equal({ component: "third" });
      expect(closed).to.deep.equal(["second", "first"]);
    });

    it("passes coded errors through unchanged", async () => {
      const coded = new KycnetError("CONFIG_INVALID", "bad");
      expect(
        await rejection(
          createStartup(silent).step("custody", async () => {
            throw coded;
          }),
        ),
      ).to.equal(coded);
    });

    it("closeAll reports a failing close and still closes the rest", async () => {
      const startup = createStartup(silent);
      const closed: string[] = [];
      startup.onClose(async () => void closed.push("keys"));
      startup.onClose(async () => {
        throw new Error("busy");
      });
      startup.onClose(async () => void closed.push("store"));
      const failures: unknown[] = [];
      await startup.closeAll((error) => failures.push(error));
      expect(closed).to.deep.equal(["store", "keys"]);
      expect(failures.map(String)).to.deep.equal(["Error: busy"]);
    });
  });

  describe("createNode", () => {
    it("closes the key manager when the chain does not answer", async function () {
      this.timeout(30_000);
      const dir = await mkdtemp(join(tmpdir(), "kycnet-start-"));
      const address = `0x${"11".repeat(20)}`;
      const config = parseNodeConfig(
        {
          name: "Bank A",
          dataDir: join(dir, "data"),
          // A port nothing listens on: the first call to the chain is refused.
          chain: {
            rpcUrl: `http://127.0.0.1:${await freePort()}`,
            chainId: 31337,
            addresses: { consortium: address, attestations: address, consents: address },
          },
          custody: { kind: "pkcs11", modulePath: "/usr/lib/softhsm/libsofthsm2.so", tokenLabel: "unused" },
          api: { apiKeys: [{ id: "ops-1", role: "operator", sha256: "ab".repeat(32) }] },
          exchange: {},
          registry: { url: "http://127.0.0.1:1" },
          sanctions: { lists: [] },
          anchoring: {},
          attestation: {},
          log: {},
        },
        dir,
      );
      const keys = new MemoryKeyManager();
      try {
        const error = await rejection(createNode(config, { keys, logger: silent }));
        expect(isKycnetError(error), String(error)).to.equal(true);
        expect(isKycnetError(await rejection(keys.getAddress()), "KEY_MANAGER_CLOSED")).to.equal(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
