/**
 * The worker-thread RPC (node/src/workers/rpc.ts) with a fixture worker: answers, typed errors
 * both ways, a worker that dies, a failed load, close.
 */
import { expect } from "chai";
import { KycnetError } from "@kycnet/sdk/errors";
import { RpcWorker, type WireError } from "../../../node/src/workers/rpc.ts";
import { expectCode } from "../../support/expect-code.ts";

const ENTRY = new URL("./fixture-worker.ts", import.meta.url);
const options = (data: object) => ({
  workerData: data,
  // The fixture's codes are its own, not the node's: hence KycnetError<string>.
  rebuild: (e: WireError) => new KycnetError<string>(e.code ?? "UNTYPED", e.message, { details: e.details }),
  lost: (reason: string) => new KycnetError<string>("FIXTURE_LOST", reason),
  closed: () => new KycnetError<string>("FIXTURE_CLOSED", "closed"),
});

describe("worker-thread RPC", function () {
  this.timeout(30_000);
  let rpc: RpcWorker<{ greeting: string }>;
  before(async () => {
    rpc = await RpcWorker.start(ENTRY, options({ greeting: "xin chào" }));
  });
  after(() => rpc?.close());

  it("says what the worker announced when it became ready", () => {
    expect(rpc.info).to.deep.equal({ greeting: "xin chào" });
  });
  it("answers calls by id, several at once, typed arrays included", async () => {
    const answers = await Promise.all([
      rpc.call("slow", [30]),
      rpc.call("echo", [{ a: 1 }]),
      rpc.call("echo", [Float32Array.from([0.5, 2])]),
    ]);
    expect(answers[0]).to.equal(30);
    expect(answers[1]).to.deep.equal({ a: 1 });
    expect([...(answers[2] as Float32Array)]).to.deep.equal([0.5, 2]);
  });
  it("rebuilds the worker's typed error with its code and details", async () => {
    const error = await expectCode(rpc.call("fail", ["FIXTURE_BAD_INPUT"]), "FIXTURE_BAD_INPUT");
    expect((error as KycnetError).details).to.deep.equal({ code: "FIXTURE_BAD_INPUT" });
  });
  it("rejects an unknown method, and names that are not own methods", async () => {
    await expectCode(rpc.call("nope", []), "UNTYPED");
    await expectCode(rpc.call("toString", []), "UNTYPED");
  });
  it("fails the calls in flight when the worker dies, and starts a new one for the next call", async () => {
    const inFlight = rpc.call("slow", [2_000]);
    await expectCode(Promise.all([rpc.call("die", []), inFlight]), "FIXTURE_LOST");
    expect(await rpc.call("echo", ["again"])).to.equal("again");
  });
  it("rejects start with the rebuilt load error when the worker cannot load", async () => {
    const error = await expectCode(
      RpcWorker.start(ENTRY, options({ failLoad: true, greeting: "" })),
      "FIXTURE_LOAD_FAILED",
    );
    expect((error as KycnetError).details).to.deep.equal({ why: "asked to" });
  });
  it("fails calls after close, and calls still in flight when it closes", async () => {
    const own = await RpcWorker.start(ENTRY, options({ greeting: "" }));
    const inFlight = expectCode(own.call("slow", [2_000]), "FIXTURE_CLOSED");
    await own.close();
    await inFlight;
    await expectCode(own.call("echo", [1]), "FIXTURE_CLOSED");
  });
});
