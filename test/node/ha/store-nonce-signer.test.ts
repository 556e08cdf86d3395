/**
 * Nonces handed out by the shared vault (PostgreSQL) on a real chain: two instances of one bank
 * that both believe they may send (a split brain) never broadcast two transactions with one nonce,
 * and a transaction logged by an instance that died before broadcasting it does not stall the account.
 */
import { expect } from "chai";
import {
  type BaseWallet,
  JsonRpcProvider,
  NonceManager,
  Wallet,
  parseEther,
  type Signer,
  type TransactionResponse,
} from "ethers";
import { StoreNonceSigner } from "../../../node/src/ha/store-nonce-signer.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";
import { createTestDatabase } from "../../support/postgres.ts";

const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("node/ha nonces from the shared vault (PostgreSQL, real chain)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  const stores: RecordStore[] = [];
  before(async () => {
    chain = await startLocalChain();
    // No response cache: ethers reuses an identical call's answer for 250 ms by default, which gave the
    // funder a stale pending nonce when two tests funded back to back.
    provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    provider?.destroy();
    await chain?.stop();
  });

  /** A fresh funded account, as the bank's one signing key that every instance shares. */
  async function bankKey(): Promise<BaseWallet> {
    const key = Wallet.createRandom().connect(provider);
    const funder = new Wallet(DEV_KEY_0, provider);
    await (await funder.sendTransaction({ to: key.address, value: parseEther("10") })).wait();
    return key;
  }

  async function instance(connectionString: string, key: BaseWallet, logged: number[], p = provider) {
    const store = await openPostgresRecordStore({ connectionString });
    stores.push(store);
    return new StoreNonceSigner(key.connect(p), store, p, { onLogged: ({ nonce }) => logged.push(nonce) });
  }

  const sendMany = (signer: Signer, n: number) =>
    Array.from({ length: n }, (_, i) =>
      signer.sendTransaction({ to: Wallet.createRandom().address, value: BigInt(i + 1) }),
    );

  async function minedNonces(txs: readonly TransactionResponse[]): Promise<number[]> {
    await Promise.all(txs.map((tx) => tx.wait()));
    return txs.map((tx) => tx.nonce).sort((a, b) => a - b);
  }

  it("two would-be leaders sending at once: one logged and broadcast transaction per nonce, all mined", async () => {
    const connectionString = await createTestDatabase();
    const key = await bankKey();
    const logged: number[] = [];
    const [a, b] = [await instance(connectionString, key, logged), await instance(connectionString, key, logged)];
    const txs = await Promise.all([...sendMany(a!, 12), ...sendMany(b!, 12)]);
    const nonces = await minedNonces(txs);
    expect(nonces).to.deep.equal(Array.from({ length: 24 }, (_, i) => i));
    expect([...logged].sort((x, y) => x - y)).to.deep.equal(nonces);
    expect(await provider.getTransactionCount(key.address, "latest")).to.equal(24);
  });

  it("without them (a NonceManager per instance) the same split brain reuses nonces", async () => {
    const key = await bankKey();
    const [a, b] = [new NonceManager(key), new NonceManager(key)];
    const results = await Promise.allSettled([...sendMany(a, 6), ...sendMany(b, 6)]);
    const sent = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    // Each manager counts from the same chain nonce: some sends are refused or replace another's.
    expect(sent.length < 12 || new Set(sent.map((t) => t.nonce)).size < sent.length).to.equal(true);
  });

  it("a transaction logged by an instance that died before broadcasting it is sent by the next one", async () => {
    const connectionString = await createTestDatabase();
    const key = await bankKey();
    const logged: number[] = [];
    // The first instance's broadcast never reaches the chain (it "dies" between commit and send).
    const deaf = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    deaf.broadcastTransaction = async () => {
      throw new Error("killed before broadcasting");
    };
    const dying = await instance(connectionString, key, logged, deaf);
    const error = await dying
      .sendTransaction({ to: Wallet.createRandom().address, value: 1n })
      .catch((e: unknown) => e);
    expect(String(error)).to.contain("killed before broadcasting");
    expect(await provider.getTransactionCount(key.address, "pending")).to.equal(0);

    const survivor = await instance(connectionString, key, logged);
    const tx = await survivor.sendTransaction({ to: Wallet.createRandom().address, value: 2n });
    await tx.wait();
    expect(tx.nonce).to.equal(1);
    expect(await provider.getTransactionCount(key.address, "latest")).to.equal(2);
    expect(logged).to.deep.equal([0, 1]);
    deaf.destroy();
  });
});
