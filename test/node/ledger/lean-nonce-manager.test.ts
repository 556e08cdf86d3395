/**
 * The node's transaction signer on a real chain (Hardhat's node over JSON-RPC, through the node's
 * own provider): one send costs the estimate with the fee data, the broadcast and the receipt, the
 * nonce is counted in memory after the first send, and nonces stay gap-free and distinct when
 * sends overlap or one is refused by its estimate.
 */
import { expect } from "chai";
import { Wallet, parseEther, type JsonRpcPayload, type JsonRpcProvider } from "ethers";
import { LeanNonceManager } from "../../../node/src/ledger/ethers/lean-nonce-manager.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";

const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("node/ledger LeanNonceManager (real chain)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  /** The JSON-RPC methods of each HTTP request the provider made, one array per request (batch). */
  const requests: string[][] = [];

  before(async () => {
    chain = await startLocalChain();
    provider = createRpcProvider(chain.url, { chainId: chain.chainId });
    const send = provider._send.bind(provider);
    provider._send = (payload: JsonRpcPayload | JsonRpcPayload[]) => {
      requests.push((Array.isArray(payload) ? payload : [payload]).map((p) => p.method));
      return send(payload);
    };
  });
  after(async () => {
    provider?.destroy();
    await chain?.stop();
  });

  async function fundedSigner(): Promise<LeanNonceManager> {
    const key = Wallet.createRandom().connect(provider);
    const funder = new Wallet(DEV_KEY_0, provider);
    await (await funder.sendTransaction({ to: key.address, value: parseEther("10") })).wait();
    return new LeanNonceManager(key);
  }

  const payTo = (signer: LeanNonceManager, value: bigint) =>
    signer.sendTransaction({ to: Wallet.createRandom().address, value });

  it("after the first send, a send is three requests: estimate with fee data, broadcast, receipt", async () => {
    const signer = await fundedSigner();
    await (await payTo(signer, 1n)).wait();
    requests.length = 0;
    const tx = await payTo(signer, 2n);
    const receipt = await tx.wait();
    expect(receipt?.status).to.equal(1);
    expect(tx.nonce).to.equal(1);
    expect(requests.flat()).not.to.include("eth_getTransactionCount");
    expect(requests).to.have.length(3);
    expect(requests[0]).to.include.members(["eth_estimateGas", "eth_getBlockByNumber", "eth_maxPriorityFeePerGas"]);
    expect(requests[1]).to.include("eth_sendRawTransaction");
    expect(requests[2]).to.deep.equal(["eth_getTransactionReceipt"]);
    expect(tx.type).to.equal(2);
  });

  it("overlapping sends get distinct gap-free nonces, and all are mined", async () => {
    const signer = await fundedSigner();
    const txs = await Promise.all(Array.from({ length: 8 }, (_, i) => payTo(signer, BigInt(i + 1))));
    const receipts = await Promise.all(txs.map((tx) => tx.wait()));
    expect(receipts.every((r) => r?.status === 1)).to.equal(true);
    expect(txs.map((tx) => tx.nonce).sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("a send its estimate refuses sends nothing; after a reset the next send takes the unused nonce", async () => {
    const signer = await fundedSigner();
    await (await payTo(signer, 1n)).wait();
    let refused: unknown = null;
    await payTo(signer, parseEther("100")).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(Error);
    const address = await signer.getAddress();
    expect(await provider.getTransactionCount(address, "pending")).to.equal(1);
    signer.reset(); // as the ledger's broadcaster does after a failed send (ethers-calls.ts)
    const tx = await payTo(signer, 3n);
    expect(tx.nonce).to.equal(1);
    expect((await tx.wait())?.status).to.equal(1);
  });
});
