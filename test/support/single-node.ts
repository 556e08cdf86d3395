/**
 * One bank's node on real dependencies (a local chain with the contracts, a SoftHSM token, LevelDB,
 * real sockets), for tests that restart it, damage its files or attack its interfaces: each
 * `startNode` logs into an array the test can search (pino JSON lines, level included). A fresh
 * data folder per `freshConfig()`; the consortium, the chain and the face model are shared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { NodeConfig } from "../../node/src/config.ts";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { createNode, type KycnetNode } from "../../node/src/node.ts";
import { createLogger } from "../../node/src/observability/logger.ts";
import type { ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import type { LocalChain } from "../../scripts/lib/local-chain.ts";
import { prepareOneBank } from "./one-bank.ts";

export interface LoggedNode {
  readonly node: KycnetNode;
  /** Every log line so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** The raw log text so far (to search for stack traces and personal data). */
  readonly logText: () => string;
}

export interface SingleNodeFixture {
  readonly dir: string;
  readonly setup: ConsortiumSetup;
  /** Bank A's configuration on a new data folder, with the API and libp2p on free ports. */
  freshConfig(): NodeConfig;
  startNode(config: NodeConfig, options?: { readDocument?: "real" | "none" }): Promise<LoggedNode>;
  stop(): Promise<void>;
}

export async function startSingleNodeFixture(prefix: string): Promise<SingleNodeFixture> {
  const dir = mkdtempSync(join(tmpdir(), `kycnet-${prefix}-`));
  let chain: LocalChain | undefined;
  let model: FaceModel | undefined;
  try {
    const bank = await prepareOneBank(dir);
    chain = bank.chain;
    const { setup, base } = bank;
    const faceModel = await loadOnnxFaceModel();
    model = faceModel;
    const stopChain = chain;
    let n = 0;
    const notUsed = async (): Promise<never> => {
      throw new Error("no card is read by this node");
    };
    return {
      dir,
      setup,
      freshConfig: () => ({
        ...base,
        dataDir: join(dir, `node-${++n}`),
        api: { ...base.api, port: 0 },
        exchange: { ...base.exchange, listen: ["/ip4/127.0.0.1/tcp/0"] },
      }),
      async startNode(config, options = {}) {
        let text = "";
        const logs: Array<Record<string, unknown>> = [];
        const sink = new Writable({
          write(chunk, _encoding, done) {
            text += String(chunk);
            for (const line of String(chunk).split("\n").filter(Boolean))
              logs.push(JSON.parse(line) as Record<string, unknown>);
            done();
          },
        });
        const logger = createLogger({ level: "info" }, sink);
        const readDocument = options.readDocument === "real" ? {} : { readDocument: notUsed };
        const node = await createNode(config, { faceModel, logger, ...readDocument });
        await node.start();
        return { node, logs, logText: () => text };
      },
      async stop() {
        await faceModel.close();
        await stopChain.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await model?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
