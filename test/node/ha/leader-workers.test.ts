/**
 * ha/leader-workers.ts on recording workers (a unit test beside the PostgreSQL node test, which runs
 * the real workers on two instances): a gained lead starts every worker once, a lost lead stops
 * them, transitions run in order however quickly they come, and a worker that fails to start is
 * reported without keeping the others from starting.
 */
import { expect } from "chai";
import { createLeaderWorkers, type LeaderWorker } from "../../../node/src/ha/leader-workers.ts";

function recording(log: string[], name: string, options: { failStart?: boolean; slowStopMs?: number } = {}) {
  const worker: LeaderWorker = {
    start() {
      log.push(`start ${name}`);
      if (options.failStart === true) throw new Error(`${name} cannot start`);
    },
    async stop() {
      if (options.slowStopMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.slowStopMs));
      log.push(`stop ${name}`);
    },
  };
  return [name, worker] as const;
}

describe("ha/leader workers", () => {
  it("starts every worker on a gained lead and stops them on a loss, in order however quickly the lead changes", async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const workers = createLeaderWorkers(
      new Map([recording(log, "anchoring", { slowStopMs: 30 }), recording(log, "retention")]),
      (name) => errors.push(name),
    );
    workers.onLeadership(1);
    workers.onLeadership(null); // lost while the start may still run
    workers.onLeadership(2);
    workers.onLeadership(2); // a repeated gain starts nothing twice
    await workers.stop();
    expect(log).to.deep.equal([
      "start anchoring",
      "start retention",
      "stop anchoring",
      "stop retention",
      "start anchoring",
      "start retention",
      "stop anchoring",
      "stop retention",
    ]);
    expect(errors).to.deep.equal([]);
    expect(workers.running()).to.deep.equal([]);
  });

  it("reports a worker that fails to start and starts the others", async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const workers = createLeaderWorkers(
      new Map([recording(log, "cascade", { failStart: true }), recording(log, "webhooks")]),
      (name) => errors.push(name),
    );
    workers.onLeadership(7);
    await workers.stop();
    expect(errors).to.deep.equal(["cascade"]);
    expect(log).to.deep.equal(["start cascade", "start webhooks", "stop cascade", "stop webhooks"]);
  });

  it("runs nothing on an instance that never leads", async () => {
    const log: string[] = [];
    const workers = createLeaderWorkers(new Map([recording(log, "anchoring")]), () => undefined);
    workers.onLeadership(null);
    await workers.stop();
    expect(log).to.deep.equal([]);
    expect(workers.running()).to.deep.equal([]);
  });
});
