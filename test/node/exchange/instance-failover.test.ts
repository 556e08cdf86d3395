/**
 * The record server with several instances of one bank (docs/deployment.md §12): every instance
 * runs the record server with the bank's peer identity and answers from the shared vault, behind
 * one TCP address (a layer-4 load balancer sending each new connection to a live instance). Here:
 * two real libp2p hosts with bank A's one peer key, each with its own record server over the same
 * record source, behind a TCP balancer on loopback; bank B fetches through the balancer's address.
 * When the instance serving B's fetch dies mid-request (its connections reset, its host gone), the
 * fetch fails with a typed error, and B's retry, a new connection, reaches the other instance and
 * gets the record.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { multiaddr } from "@multiformats/multiaddr";
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import { fieldMaskOf } from "@kycnet/sdk/protocol";
import { createExchangeHost, type ExchangeHost } from "../../../node/src/exchange/host.ts";
import { createRecordServer, type RecordServer, type ServedEvent } from "../../../node/src/exchange/record-server.ts";
import { exchangeConsortium, type ExchangeConsortium } from "./fixture.ts";

interface Backend {
  readonly port: number;
  alive: boolean;
  readonly sockets: Set<Socket>;
}

/** A layer-4 balancer: each new connection goes to the first live backend; `kill` resets a backend's connections. */
async function tcpBalancer(ports: readonly number[]) {
  const backends: Backend[] = ports.map((port) => ({ port, alive: true, sockets: new Set() }));
  const server: Server = createServer((client) => {
    const backend = backends.find((b) => b.alive);
    if (backend === undefined) return client.destroy();
    const upstream = connect(backend.port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      backend.sockets.add(socket);
      socket.on("close", () => backend.sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    /** The machine under an instance is gone: its TCP connections reset. */
    kill(index: number) {
      const backend = backends[index]!;
      backend.alive = false;
      for (const socket of backend.sockets) socket.resetAndDestroy();
    },
    close: () => {
      for (const backend of backends) for (const socket of backend.sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const tcpPort = (host: ExchangeHost) => Number(/\/tcp\/(\d+)/.exec(host.multiaddrs()[0]!.toString())![1]);

describe("exchange: the record server on several instances of one bank", function () {
  this.timeout(120_000);
  let net: ExchangeConsortium;
  let second: { host: ExchangeHost; server: RecordServer };
  const servedBySecond: ServedEvent[] = [];

  before(async () => {
    net = await exchangeConsortium();
    const { A } = net.banks;
    // A's second instance: the same peer key (copied peer-key.json), its own host and server, the same vault.
    const host = await createExchangeHost({
      privateKey: A.identity.privateKey,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      membership: A.membership,
    });
    await host.start();
    const server = createRecordServer({
      host,
      ledger: A.ledger,
      keys: A.keys,
      membership: A.membership,
      source: net.source,
      onServed: (event) => servedBySecond.push(event),
    });
    await server.start();
    second = { host, server };
  });
  after(async () => {
    await second?.server.stop();
    await second?.host.stop();
    await net?.stop();
  });

  it("fails a fetch cut by the death of the instance serving it with a typed error; the retry reaches the other instance", async () => {
    const { A, B } = net.banks;
    const balancer = await tcpBalancer([tcpPort(A.host), tcpPort(second.host)]);
    try {
      const address = multiaddr(`/ip4/127.0.0.1/tcp/${balancer.port}`);
      const record = await net.issue();
      const fields = fieldMaskOf(["fullName", "dateOfBirth"]);
      const { consentId } = await net.grant(record, B, fields);
      const fetch = () => B.client.fetchRecord({ address, consentId, attestation: record.proof, fields });

      // Both instances answer as the bank's one peer id: the first fetch is served by instance 1.
      expect((await fetch()).fields.fullName).to.equal(record.commitment.fields.fullName);
      expect(servedBySecond).to.deep.equal([]);

      // Instance 1 dies while it opens the record for the next fetch.
      net.source.openDelayMs = 2_000;
      const opens = net.source.opens;
      const cut = fetch().catch((error: unknown) => error);
      while (net.source.opens === opens) await new Promise((resolve) => setTimeout(resolve, 10));
      balancer.kill(0);
      await A.host.stop();
      const error = await cut;
      expect(isKycnetError(error), String(error)).to.equal(true);
      // The stream closed without an answer: nothing was disclosed to B, and B may ask again.
      expect((error as { code: string }).code).to.equal("EXCHANGE_PROTOCOL");

      // The retry: a new connection, through the same address, to the instance still alive.
      net.source.openDelayMs = 0;
      const retried = await fetch();
      expect(retried.fields).to.deep.equal({
        fullName: record.commitment.fields.fullName,
        dateOfBirth: record.commitment.fields.dateOfBirth,
      });
      expect(servedBySecond.map((e) => [e.requestId, e.status])).to.deep.equal([[retried.requestId, "OK"]]);
    } finally {
      await balancer.close();
    }
  });
});
