/** The KeyManager compliance suite against the in-memory fake. */
import { hexlify, randomBytes } from "ethers";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { describeKeyManagerCompliance } from "./key-manager.compliance.ts";

describe("custody/memory", () => {
  const signingPrivateKey = hexlify(randomBytes(32));
  const recordKeys = new Map<string, Buffer>(); // bank A's "HSM": shared by its managers
  let managers: MemoryKeyManager[] = [];
  describeKeyManagerCompliance(
    "in-memory fake",
    async () => {
      const bankA = new MemoryKeyManager({ signingPrivateKey, recordKeys });
      const bankB = new MemoryKeyManager();
      managers = [bankA, bankB];
      return { bankA, bankB, openAnotherA: async () => new MemoryKeyManager({ signingPrivateKey, recordKeys }) };
    },
    async () => {
      for (const m of managers) await m.close();
    },
  );
});
