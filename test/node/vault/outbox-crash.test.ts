/**
 * kill -9 at random moments: a child process stores records and anchors them through the outbox
 * against a real JSON-RPC chain; we SIGKILL it repeatedly and restart it on the same LevelDB. In
 * the end every stored record is anchored exactly once, and the audit chain is intact.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Contract, HDNodeWallet, Mnemonic, NonceManager, randomBytes } from "ethers";
import { deployKycnet } from "../../../node/src/ledger/deploy.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { AttestationRegistryAbi } from "@kycnet/sdk/chain";
import type { Hex } from "@kycnet/sdk/protocol";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";

const CHILD = fileURLToPath(new URL("./outbox-crash-child.ts", import.meta.url));
const TARGET = 80;
/** The issue asks for at least 20 kills at random moments. */
const KILLS = 20;

describe("node/vault outbox under kill -9", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let dir: string;
  before(async () => {
    chain = await startLocalChain();
    dir = mkdtempSync(join(tmpdir(), "kycnet-crash-"));
  });
  after(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("anchors every stored record exactly once across random SIGKILLs", async () => {
    const provider = createRpcProvider(chain.url, { chainId: chain.chainId });
    const dev = (i: number) =>
      HDNodeWallet.fromMnemonic(
        Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
        `m/44'/60'/0'/0/${i}`,
      );
    const bank = dev(1);
    const addresses = await deployKycnet(new NonceManager(dev(0).connect(provider)), {
      members: [
        {
          account: bank.address as Hex,
          name: "Bank A",
          peerId: randomBytes(38),
          transportKey: new Uint8Array([2, ...randomBytes(32)]),
        },
      ],
      threshold: 1,
    });
    // Kills are placed by the child's progress, not by wall time, so they land mid-work on a fast
    // machine and a slow one alike: after the Nth record is stored, plus a random few milliseconds
    // (into the storing, the move to in-flight, the transaction or the marking).
    let storedSoFar = 0;
    const run = (killAtStored?: number) =>
      new Promise<{ killed: boolean; output: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", CHILD, dir, chain.url, JSON.stringify(addresses), bank.privateKey, String(TARGET)],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let output = "";
        let armed = false;
        child.stdout.on("data", (d: Buffer) => {
          output += d.toString();
          for (const m of d.toString().matchAll(/stored (\d+)/g)) storedSoFar = Math.max(storedSoFar, Number(m[1]));
          if (!armed && killAtStored !== undefined && storedSoFar >= killAtStored) {
            armed = true;
            setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 40));
          }
        });
        child.stderr.on("data", (d: Buffer) => {
          output += d.toString();
        });
        child.on("error", reject);
        child.on("exit", (code, signal) => {
          if (signal === "SIGKILL") resolve({ killed: true, output });
          else if (code === 0) resolve({ killed: false, output });
          else reject(new Error(`child failed (${code}): ${output}`));
        });
      });

    let kills = 0;
    for (let i = 0; i < KILLS && storedSoFar < TARGET - 4; i++) {
      // 1–3 more records each time: 20 kills spread over storing and anchoring 40-odd records.
      const result = await run(storedSoFar + 1 + Math.floor(Math.random() * 3));
      if (result.killed) kills += 1;
      else break;
    }
    const last = await run();
    expect(last.output).to.include('done {"pending":0,"inflight":0,"failed":0}');

    const registry = new Contract(addresses.attestations, AttestationRegistryAbi, provider);
    const events = await registry.queryFilter(registry.filters.Attested!());
    const uids = events.map((e) => (e as unknown as { args: [string] }).args[0]);
    const store = await openLevelRecordStore(dir);
    try {
      const anchored: string[] = [];
      for await (const [, value] of store.range({ prefix: "record/" })) {
        const record = value as { anchor: { uid: string } | null };
        expect(record.anchor, "every record anchored").to.not.equal(null);
        anchored.push(record.anchor!.uid);
      }
      expect(anchored).to.have.length(TARGET);
      expect(new Set(uids).size).to.equal(uids.length); // nothing anchored twice on chain
      expect([...uids].sort()).to.deep.equal([...anchored].sort()); // and nothing on chain that is not stored
      expect(await createAuditLog(store).verify()).to.include({ ok: true });
    } finally {
      await store.close();
      provider.destroy();
    }
    expect(kills, "the child was killed at least 20 times").to.be.at.least(KILLS);
  });
});
