/** The KeyManager compliance suite against the in-memory fake. */
import { hexlify, randomBytes } from "ethers";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { describeKeyManagerCompliance } from "./key-manager.compliance.ts";

describe("custody/memory", () => {
  const signingPrivateKey = hexlify(randomBytes(32));
  let managers: MemoryKeyManager[] = [];
  describeKeyManagerCompliance(
    "in-memory fake",
    async () => {
      const bankA = new MemoryKeyManager({ signingPrivateKey });
      const bankB = new MemoryKeyManager();
      managers = [bankA, bankB];
      return { bankA, bankB, openAnotherA: async () => new MemoryKeyManager({ signingPrivateKey }) };
    },
    async () => {
      for (const m of managers) await m.close();
    },
  );
});
