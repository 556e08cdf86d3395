/**
 * The log line of an anchoring failure, with the real ethers error: a JSON-RPC node refuses the
 * signed transaction (`eth_sendRawTransaction` → "nonce too low"), and ethers' error then carries
 * the raw signed transaction in its fields and its message. The line must say what failed, briefly,
 * without it.
 */
import { Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcApiProvider, type JsonRpcError, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { pino } from "pino";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createAnchoringWorker } from "../../../node/src/vault/outbox.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { deployedConsortium } from "../ledger/fixture.ts";
import { verifiedRecord } from "../vault/fixtures.ts";

/** Hardhat's default accounts; bank A is account 1 in the ledger fixture. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** A JSON-RPC provider over Hardhat's in-process node that refuses every raw transaction, as a node does. */
class RefusingRawTransactions extends JsonRpcApiProvider {
  readonly #upstream: Eip1193;
  constructor(upstream: Eip1193, chainId: bigint) {
    super(chainId, { staticNetwork: true, batchMaxCount: 1 });
    this.#upstream = upstream;
  }
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<(JsonRpcResult | JsonRpcError)[]> {
    const calls = Array.isArray(payload) ? payload : [payload];
    return Promise.all(
      calls.map(async ({ id, method, params }): Promise<JsonRpcResult | JsonRpcError> => {
        if (method === "eth_sendRawTransaction") return { id, error: { code: -32000, message: "nonce too low" } };
        try {
          return { id, result: await this.#upstream.request({ method, params: params as unknown[] }) };
        } catch (error) {
          const e = error as { code?: number; message?: string; data?: unknown };
          return { id, error: { code: e.code ?? -32000, message: e.message ?? "error", data: e.data } };
        }
      }),
    );
  }
}

describe("the log line of an anchoring failure (real ethers error)", function () {
  this.timeout(60_000);

  it("names the failure in a short line, without the raw signed transaction", async () => {
    const f = await deployedConsortium();
    const chainId = BigInt((await f.provider.getNetwork()).chainId);
    const provider = new RefusingRawTransactions(f.connection.provider as unknown as Eip1193, chainId);
    const bankA = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/1").connect(provider);
    expect(bankA.address).to.equal(await f.signers.bankA!.getAddress());
    const ledger = await createEthersLedger({ runner: bankA, addresses: f.addresses });

    const dir = mkdtempSync(join(tmpdir(), "kycnet-anchor-log-"));
    const store = await openLevelRecordStore(dir);
    try {
      const audit = createAuditLog(store);
      const attestationContext = {
        chainId,
        registry: f.addresses.attestations,
        issuer: bankA.address as `0x${string}`,
      };
      const vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext });
      const { record, attestation } = verifiedRecord(0);
      await vault.storeVerifiedRecord({ record, attestation: attestation(await f.now()), actor: "op" });

      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const logger = createLogger({ level: "info" }, sink);
      const worker = createAnchoringWorker({ store, audit, vault, ledger });
      const failure = await worker.flush().catch((error: unknown) => error);
      // The same call as the node's anchoring error handler (composition/vault.ts).
      logger.warn({ err: failure }, "anchoring failed; will retry");

      // The hazard is real: pino's standard serializer writes the signed transaction (type 2: 0x02…).
      expect(JSON.stringify(pino.stdSerializers.err(failure as Error))).to.match(/0x02[0-9a-f]{200,}/);

      const line = lines.join("").trim();
      expect(line).not.to.match(/0x(02|f8)[0-9a-f]{100,}/i);
      expect(line.length).to.be.below(1000);
      const logged = JSON.parse(line) as {
        level: number;
        err: { code: string; cause?: { code?: string; reason?: string } };
      };
      expect(logged.level).to.equal(40);
      expect(logged.err.code).to.match(/^LEDGER_/);
      expect(logged.err.cause).to.deep.include({ code: "NONCE_EXPIRED", reason: "nonce too low" });
      expect(line).not.to.contain('"stack"');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
