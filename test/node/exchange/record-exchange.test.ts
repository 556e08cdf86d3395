/**
 * The record protocol end to end: real libp2p hosts on 127.0.0.1 (TCP, Noise, Yamux), a real
 * Hardhat chain with the consortium's real peer ids and transport keys, MemoryKeyManager custody.
 * Bank A issues and serves; B (and C) request under customer consents.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Contract, Wallet, getBytes } from "ethers";
import { ConsentRegistryAbi } from "@kycnet/sdk/chain";
import {
  RevocationReason,
  commitRecord,
  discloseFields,
  fieldMaskOf,
  fieldsOfMask,
  type Hex,
} from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";
import { gaterFor, withPeerId } from "../../../node/src/exchange/host.ts";
import { createMembershipWatcher } from "../../../node/src/exchange/membership-watcher.ts";
import {
  MAX_REQUEST_BYTES,
  RECORD_PROTOCOL,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  payloadAad,
  type DisclosurePayload,
  type RecordResponse,
} from "../../../node/src/exchange/messages.ts";
import { framed, readFrame } from "../../../node/src/exchange/record-protocol.ts";
import {
  connectedPeers,
  exchangeConsortium,
  faceTemplateBytes,
  type Bank,
  type ExchangeConsortium,
  type IssuedRecord,
} from "./fixture.ts";

const NAME_DOB_FACE = fieldMaskOf(["fullName", "dateOfBirth", "faceTemplate"]);
const ID_NAME_DOB_FACE = fieldMaskOf(["idNumber", "fullName", "dateOfBirth", "faceTemplate"]);

async function expectCode(promise: Promise<unknown>, code: string, status?: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (!isKycnetError(error)) throw error;
    expect(error.code, error.message).to.equal(code);
    if (status !== undefined) expect((error as unknown as { status: string }).status).to.equal(status);
    return error;
  }
  throw new Error(`expected ${code}${status ? `/${status}` : ""}, got success`);
}

/** Sends raw bytes as one frame on the record protocol from `from` to bank A and reads the answer. */
async function rawExchange(
  from: Bank,
  to: Bank,
  bytes: Uint8Array,
  options: { send?: boolean } = {},
): Promise<RecordResponse> {
  const signal = AbortSignal.timeout(10_000);
  const stream = await from.host.openStream(withPeerId(to.address(), to.host.peerId), RECORD_PROTOCOL, signal);
  const lp = framed(stream, 256 * 1024);
  if (options.send !== false) await lp.write(bytes, { signal });
  const response = decodeResponse(await readFrame(lp, signal));
  await stream.close().catch(() => undefined);
  return response;
}

const requestBytes = (fields: { consentId: Hex; attestationUid: Hex; fields: number; requestId?: Hex }) =>
  encodeMessage({ v: 1, requestId: ("0x" + randomBytes(32).toString("hex")) as Hex, ...fields });

describe("exchange: /kycnet/record/1.0.0 between member banks", function () {
  this.timeout(60_000);
  let net: ExchangeConsortium;
  let A: Bank, B: Bank, C: Bank, D: Bank, outsider: Bank;

  before(async () => {
    net = await exchangeConsortium({ server: { requestTimeoutMs: 800 }, host: { upgradeTimeoutMs: 1_000 } });
    ({ A, B, C, D, outsider } = net.banks);
  });
  after(async () => {
    await net?.stop();
  });

  const fetchAs = (bank: Bank, record: IssuedRecord, consentId: Hex, fields: number, signal?: AbortSignal) =>
    bank.client.fetchRecord({
      address: A.address(),
      consentId,
      attestation: record.proof,
      fields,
      ...(signal ? { signal } : {}),
    });

  describe("when B holds an active consent for the fields it asks", () => {
    it("returns exactly the requested fields, each verified against the anchored root, and the face template", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      const fetched = await fetchAs(B, record, consentId, NAME_DOB_FACE);
      expect(fetched.fields).to.deep.equal({
        fullName: record.commitment.fields.fullName,
        dateOfBirth: record.commitment.fields.dateOfBirth,
        faceTemplate: record.commitment.fields.faceTemplate,
      });
      expect(fetched.disclosures.map((d) => d.name)).to.have.members(["fullName", "dateOfBirth", "faceTemplate"]);
      expect(fetched.faceTemplate).to.deep.equal(record.template);
      expect(fetched.attestationUid).to.equal(record.uid);
      expect(fetched.issuer.account).to.equal(A.account);
    });

    it("sends no face template when faceTemplate is not requested", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      const fetched = await fetchAs(B, record, consentId, fieldMaskOf(["idNumber"]));
      expect(Object.keys(fetched.fields)).to.deep.equal(["idNumber"]);
      expect(fetched.faceTemplate).to.equal(null);
    });

    it("logs the disclosure on chain (consent, fields, request id) before answering", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      const fetched = await fetchAs(B, record, consentId, NAME_DOB_FACE);
      const consents = new Contract(net.addresses.consents, ConsentRegistryAbi, net.ethers.provider);
      const logs = await consents.queryFilter(consents.filters.Disclosed!(consentId));
      expect(logs).to.have.length(1);
      const args = (logs[0] as unknown as { args: { fieldMask: bigint; requestId: string; attestationUid: string } })
        .args;
      expect(Number(args.fieldMask)).to.equal(NAME_DOB_FACE);
      expect(args.requestId).to.equal(fetched.requestId);
      expect(args.attestationUid).to.equal(record.uid);
      const event = net.served.find((e) => e.requestId === fetched.requestId);
      expect(event?.status).to.equal("OK");
      expect(event?.disclosureTx).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("refusals, each with its status on the wire", () => {
    it("CONSENT_NOT_FOUND for a consent id the chain does not know", async () => {
      const record = await net.issue();
      const consentId = ("0x" + randomBytes(32).toString("hex")) as Hex;
      await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "CONSENT_NOT_FOUND");
    });

    it("NOT_GRANTEE when C presents a consent granted to B", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      await expectCode(fetchAs(C, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "NOT_GRANTEE");
    });

    it("FIELDS_NOT_GRANTED when B asks for a field outside the consent's mask", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      await expectCode(
        fetchAs(B, record, consentId, fieldMaskOf(["fullName", "address"])),
        "EXCHANGE_REFUSED",
        "FIELDS_NOT_GRANTED",
      );
    });

    it("CONSENT_NOT_ACTIVE when the customer revoked the consent before the exchange", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      await net.revokeConsent(record, consentId);
      const opensBefore = net.source.opens;
      await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "CONSENT_NOT_ACTIVE");
      expect(net.source.opens, "the record is never decrypted").to.equal(opensBefore);
    });

    it("refuses the second request when the consent is revoked between two requests", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      await fetchAs(B, record, consentId, NAME_DOB_FACE);
      await net.revokeConsent(record, consentId);
      await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "CONSENT_NOT_ACTIVE");
    });

    it("ATTESTATION_NOT_VALID from A when A has revoked the attestation (and B refuses to ask at all)", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      await A.ledger.revokeAttestation(record.proof, RevocationReason.FRAUD_SUSPECTED);
      // B's client checks the attestation on chain before dialling.
      await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "ATTESTATION_NOT_VALID");
      // A checks it again itself for a request sent without that check.
      const response = await rawExchange(
        B,
        A,
        requestBytes({ consentId, attestationUid: record.uid, fields: NAME_DOB_FACE }),
      );
      expect(response.status).to.equal("ATTESTATION_NOT_VALID");
      expect(response.sealed).to.equal(undefined);
    });

    it("RECORD_NOT_FOUND when A holds no record for the attestation", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      const saved = net.source.records.get(record.uid)!;
      net.source.records.delete(record.uid);
      try {
        await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "RECORD_NOT_FOUND");
      } finally {
        net.source.records.set(record.uid, saved);
      }
    });

    it("INTERNAL, with no disclosure logged, when A's stored record or template no longer matches the anchored root", async () => {
      const consents = new Contract(net.addresses.consents, ConsentRegistryAbi, net.ethers.provider);
      for (const corrupt of ["field", "template"] as const) {
        const record = await net.issue();
        const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
        const entry = net.source.records.get(record.uid)!;
        const opened =
          corrupt === "field"
            ? { ...entry.opened, fields: { ...entry.opened.fields, fullName: "SOMEONE ELSE" } }
            : { ...entry.opened, faceTemplate: faceTemplateBytes(4242) };
        net.source.records.set(record.uid, { ...entry, opened });
        const error = await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "INTERNAL");
        expect(error.message, "internal details stay on A").to.not.match(/template|root/);
        expect(await consents.queryFilter(consents.filters.Disclosed!(consentId)), corrupt).to.have.length(0);
        const event = net.served.find((e) => e.consentId === consentId);
        expect((event?.error as { code?: string })?.code).to.equal("RECORD_NOT_DISCLOSABLE");
      }
    });

    it("BAD_REQUEST when the consent is for another attestation than the one asked for", async () => {
      const [r1, r2] = [await net.issue(), await net.issue()];
      const { consentId } = await net.grant(r1, B, NAME_DOB_FACE);
      const response = await rawExchange(
        B,
        A,
        requestBytes({ consentId, attestationUid: r2.uid, fields: NAME_DOB_FACE }),
      );
      expect(response.status).to.equal("BAD_REQUEST");
    });
  });

  describe("hostile or broken requests", () => {
    it("BAD_REQUEST for a request that is not JSON", async () => {
      const response = await rawExchange(B, A, new TextEncoder().encode("{not json"));
      expect(response).to.include({ status: "BAD_REQUEST", requestId: null });
    });

    it("BAD_REQUEST naming the request id for a request with an unknown key or bad mask", async () => {
      const requestId = ("0x" + randomBytes(32).toString("hex")) as Hex;
      const base = { v: 1, consentId: "0x" + "11".repeat(32), attestationUid: "0x" + "22".repeat(32), requestId };
      for (const body of [
        { ...base, fields: 0 },
        { ...base, fields: 0x800 },
        { ...base, fields: 4, extra: true },
        { ...base, fields: 4, v: 2 },
      ]) {
        const response = await rawExchange(B, A, new TextEncoder().encode(JSON.stringify(body)));
        expect(response, JSON.stringify(body)).to.include({ status: "BAD_REQUEST", requestId });
      }
    });

    it(`BAD_REQUEST for an oversized request (> ${MAX_REQUEST_BYTES} bytes), without reading it`, async () => {
      const response = await rawExchange(B, A, new Uint8Array(MAX_REQUEST_BYTES * 4).fill(0x20));
      expect(response.status).to.equal("BAD_REQUEST");
      expect(response.message).to.match(/exceeds/);
    });

    it("BAD_REQUEST when a peer opens the stream and stalls (server deadline), and the stream is closed", async () => {
      const started = Date.now();
      const response = await rawExchange(B, A, new Uint8Array(), { send: false });
      expect(response.status).to.equal("BAD_REQUEST");
      expect(response.message).to.match(/no request within/);
      expect(Date.now() - started).to.be.lessThan(5_000);
    });

    it("BAD_REQUEST for a replayed request id, with nothing disclosed twice", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      const bytes = requestBytes({ consentId, attestationUid: record.uid, fields: NAME_DOB_FACE });
      expect((await rawExchange(B, A, bytes)).status).to.equal("OK");
      const again = await rawExchange(B, A, bytes);
      expect(again.status).to.equal("BAD_REQUEST");
      expect(again.message).to.match(/already used/);
    });

    it("a sealed answer opens only with the requester's transport key and its (consent, request) binding", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      const bytes = requestBytes({ consentId, attestationUid: record.uid, fields: NAME_DOB_FACE });
      const { requestId } = decodeRequest(bytes);
      const response = await rawExchange(B, A, bytes);
      const sealed = getBytes("0x" + Buffer.from(response.sealed!, "base64").toString("hex"));
      expect(await B.keys.openFromPeer(sealed, payloadAad(consentId, requestId))).to.be.instanceOf(Uint8Array);
      await expectCode(C.keys.openFromPeer(sealed, payloadAad(consentId, requestId)), "CIPHERTEXT_REJECTED");
      const otherRequest = ("0x" + randomBytes(32).toString("hex")) as Hex;
      await expectCode(B.keys.openFromPeer(sealed, payloadAad(consentId, otherRequest)), "CIPHERTEXT_REJECTED");
    });
  });

  describe("a lying or stalling issuer: B verifies before it uses anything", () => {
    type Tamper = (payload: DisclosurePayload) => DisclosurePayload;
    /** Replaces A's record handler with one that answers OK with a tampered payload (or stalls / hangs up). */
    async function withEvilIssuer(behaviour: Tamper | "stall" | "hang-up", run: () => Promise<void>): Promise<void> {
      await net.server.stop();
      await A.host.handle(RECORD_PROTOCOL, async (stream) => {
        const lp = framed(stream, MAX_REQUEST_BYTES);
        const request = decodeRequest(await readFrame(lp, AbortSignal.timeout(5_000)));
        if (behaviour === "stall") return; // keeps the stream open and says nothing
        if (behaviour === "hang-up") return void (await stream.close());
        const entry = net.source.records.get(request.attestationUid)!;
        const commitment = commitRecord(entry.opened.fields, entry.opened.salts);
        const names = fieldsOfMask(request.fields);
        const honest: DisclosurePayload = {
          v: 1,
          consentId: request.consentId,
          attestationUid: request.attestationUid,
          requestId: request.requestId,
          fields: discloseFields(commitment, names),
          faceTemplate: names.includes("faceTemplate")
            ? Buffer.from(entry.opened.faceTemplate!).toString("base64")
            : null,
        };
        const sealed = await A.keys.sealForPeer(
          await B.keys.getTransportPublicKey(),
          encodeMessage(behaviour(honest)),
          payloadAad(request.consentId, request.requestId),
        );
        await lp.write(
          encodeMessage({
            v: 1,
            requestId: request.requestId,
            status: "OK",
            message: "ok",
            sealed: Buffer.from(sealed).toString("base64"),
          }),
        );
        await stream.close();
      });
      try {
        await run();
      } finally {
        await A.host.unhandle(RECORD_PROTOCOL);
        await net.server.start();
      }
    }

    const setup = async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      return { record, consentId };
    };

    it("DISCLOSURE_INVALID when a field value differs from the committed one", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer(
        (p) => ({
          ...p,
          fields: p.fields.map((f) => (f.name === "fullName" ? { ...f, value: "NGUYỄN VĂN KHÁC" } : f)),
        }),
        async () => {
          const error = await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "DISCLOSURE_INVALID");
          expect((error as unknown as { details: { field: string } }).details.field).to.equal("fullName");
        },
      );
    });

    it("DISCLOSURE_INVALID when a salt or proof is altered", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer(
        (p) => ({
          ...p,
          fields: p.fields.map((f) => (f.name === "dateOfBirth" ? { ...f, salt: ("0x" + "ab".repeat(32)) as Hex } : f)),
        }),
        async () => {
          await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "DISCLOSURE_INVALID");
        },
      );
      await withEvilIssuer(
        (p) => ({ ...p, fields: p.fields.map((f) => (f.name === "idNumber" ? { ...f, proof: f.proof.slice(1) } : f)) }),
        async () => {
          await expectCode(fetchAs(B, record, consentId, fieldMaskOf(["idNumber"])), "DISCLOSURE_INVALID");
        },
      );
    });

    it("DISCLOSURE_INVALID when the face template bytes do not hash to the committed faceTemplate", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer(
        (p) => ({ ...p, faceTemplate: Buffer.from(faceTemplateBytes(999)).toString("base64") }),
        async () => {
          const error = await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "DISCLOSURE_INVALID");
          expect((error as unknown as { details: { field: string } }).details.field).to.equal("faceTemplate");
        },
      );
    });

    it("EXCHANGE_PROTOCOL when the payload adds an unrequested field or is bound to another request", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer(
        (p) => ({ ...p, fields: [...p.fields, ...discloseFields(record.commitment, ["address"])] }),
        async () => {
          await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_PROTOCOL");
        },
      );
      await withEvilIssuer(
        (p) => ({ ...p, requestId: ("0x" + "00".repeat(32)) as Hex }),
        async () => {
          await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_PROTOCOL");
        },
      );
    });

    it("EXCHANGE_TIMEOUT when the issuer stalls past the caller's deadline, and the stream is released", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer("stall", async () => {
        const started = Date.now();
        await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE, AbortSignal.timeout(300)), "EXCHANGE_TIMEOUT");
        expect(Date.now() - started).to.be.lessThan(3_000);
      });
    });

    it("EXCHANGE_PROTOCOL when the issuer hangs up without an answer", async () => {
      const { record, consentId } = await setup();
      await withEvilIssuer("hang-up", async () => {
        await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE), "EXCHANGE_PROTOCOL");
      });
    });

    it("EXCHANGE_TIMEOUT when the honest issuer is slower than the caller's deadline", async () => {
      const { record, consentId } = await setup();
      net.source.openDelayMs = 1_000;
      try {
        await expectCode(fetchAs(B, record, consentId, NAME_DOB_FACE, AbortSignal.timeout(300)), "EXCHANGE_TIMEOUT");
      } finally {
        net.source.openDelayMs = 0;
      }
    });
  });

  describe("no leaked streams or connections", () => {
    const settle = async (check: () => boolean) => {
      for (let i = 0; i < 40 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    };

    it("closes every record stream on both sides after answered, refused and malformed requests", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      await fetchAs(B, record, consentId, NAME_DOB_FACE);
      await expectCode(
        fetchAs(B, record, consentId, fieldMaskOf(["address"])),
        "EXCHANGE_REFUSED",
        "FIELDS_NOT_GRANTED",
      );
      await rawExchange(B, A, new TextEncoder().encode("nonsense"));
      await settle(() => A.host.openStreamCount() === 0 && B.host.openStreamCount() === 0);
      expect(A.host.openStreamCount(), "A").to.equal(0);
      expect(B.host.openStreamCount(), "B").to.equal(0);
    });

    it("drops a TCP peer that never completes the Noise handshake after the upgrade deadline", async () => {
      const { connect } = await import("node:net");
      const tcp = A.address().getComponents();
      const host = tcp.find((c) => c.name === "ip4")!.value!;
      const port = Number(tcp.find((c) => c.name === "tcp")!.value);
      const started = Date.now();
      const closedAfter = await new Promise<number>((resolve, reject) => {
        const socket = connect({ host, port });
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(Date.now() - started));
        setTimeout(() => {
          socket.destroy();
          reject(new Error("A kept a stalled socket open"));
        }, 5_000);
      });
      expect(closedAfter).to.be.within(500, 4_000);
    });
  });

  describe("back-pressure", () => {
    it("answers BUSY at once when the server already handles its maximum of concurrent requests", async () => {
      while (net.server.activeRequests() > 0) await new Promise((resolve) => setTimeout(resolve, 50)); // earlier slow requests
      await rawExchange(D, A, new TextEncoder().encode("warm-up")); // D's connection exists before the slots fill
      // Eight stalled streams (four per connection, the per-connection cap) fill every handler slot.
      let stalledAnswered = false;
      const stalled = [B, B, B, B, C, C, C, C].map((bank) =>
        rawExchange(bank, A, new Uint8Array(), { send: false }).finally(() => {
          stalledAnswered = true;
        }),
      );
      for (let i = 0; i < 300 && net.server.activeRequests() < 8; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(net.server.activeRequests(), "all eight slots taken").to.equal(8);
      const busy = await rawExchange(D, A, new Uint8Array(), { send: false });
      expect(busy.status).to.equal("BUSY");
      expect(stalledAnswered, "BUSY came before any slot was freed").to.equal(false);
      for (const response of await Promise.all(stalled)) expect(response.status).to.equal("BAD_REQUEST");
    });
  });

  describe("client-side stream limit", () => {
    it("queues fetches beyond the per-issuer stream cap instead of having them reset: ten at once all succeed", async () => {
      const work = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const record = await net.issue();
          return { record, consentId: (await net.grant(record, B, NAME_DOB_FACE)).consentId };
        }),
      );
      net.source.openDelayMs = 50;
      try {
        const fetched = await Promise.all(
          work.map(({ record, consentId }) => fetchAs(B, record, consentId, NAME_DOB_FACE)),
        );
        fetched.forEach((f, i) => expect(f.fields.fullName).to.equal(work[i]!.record.commitment.fields.fullName));
      } finally {
        net.source.openDelayMs = 0;
      }
    });
  });

  describe("membership on chain decides who may connect and fetch", () => {
    it("refuses a non-member peer at connection: the dial fails and A keeps no connection to it", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      const error = await expectCode(
        outsider.client.fetchRecord({
          address: A.address(),
          consentId,
          attestation: record.proof,
          fields: NAME_DOB_FACE,
        }),
        "EXCHANGE_DIAL_FAILED",
      );
      expect(error).to.be.instanceOf(Error);
      expect(connectedPeers(A)).to.not.include(outsider.host.peerId.toString());
      expect(
        net.served.filter((e) => e.remotePeer === outsider.host.peerId.toString()),
        "no handler ever ran for it",
      ).to.deep.equal([]);
      // The gate is what refused it, after Noise authenticated its peer id.
      const gater = gaterFor(A.membership);
      expect(await gater.denyInboundEncryptedConnection!(outsider.host.peerId, undefined as never)).to.equal(true);
      expect(await gater.denyInboundEncryptedConnection!(B.host.peerId, undefined as never)).to.equal(false);
    });

    it("cuts off a member removed by governance: refused per request at once, then disconnected and unable to reconnect", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, D, NAME_DOB_FACE);
      await fetchAs(D, record, consentId, NAME_DOB_FACE); // D is a member: served, and now connected
      await net.removeMember(D);
      // Before any cache invalidation: the grantee check reads the chain fresh.
      await expectCode(fetchAs(D, record, consentId, NAME_DOB_FACE), "EXCHANGE_REFUSED", "NOT_MEMBER");
      // The node reacts to MemberRemoved: the gate forgets D; requests on the open connection get NOT_MEMBER ...
      A.membership.invalidate(D.identity.peerIdBytes);
      const onOpenConnection = await rawExchange(
        D,
        A,
        requestBytes({ consentId, attestationUid: record.uid, fields: NAME_DOB_FACE }),
      );
      expect(onOpenConnection.status).to.equal("NOT_MEMBER");
      // ... and revalidation closes the connection; a new one is refused by the gater.
      expect(await A.host.revalidateConnections()).to.equal(1);
      await expectCode(fetchAs(D, record, consentId, NAME_DOB_FACE), "EXCHANGE_DIAL_FAILED");
      // Members in good standing are unaffected.
      const ok = await net.issue();
      const granted = await net.grant(ok, B, NAME_DOB_FACE);
      expect((await fetchAs(B, ok, granted.consentId, NAME_DOB_FACE)).fields.fullName).to.equal(
        ok.commitment.fields.fullName,
      );
    });

    it("a membership watcher sees MemberRemoved on chain, empties the gate and closes the removed bank's connection", async () => {
      const watcher = createMembershipWatcher({
        provider: net.ethers.provider,
        consortium: net.addresses.consortium,
        membership: A.membership,
        host: A.host,
      });
      await watcher.start();
      try {
        const record = await net.issue();
        const { consentId } = await net.grant(record, C, NAME_DOB_FACE);
        await fetchAs(C, record, consentId, NAME_DOB_FACE); // C is connected and its membership cached
        expect(connectedPeers(A)).to.include(C.host.peerId.toString());
        expect(await watcher.poll(), "no membership change yet").to.equal(0);
        await net.removeMember(C);
        expect(await watcher.poll()).to.be.greaterThan(0);
        expect(connectedPeers(A)).to.not.include(C.host.peerId.toString());
        expect(await A.membership.activeMemberOf(C.identity.peerIdBytes)).to.equal(null);
        await expectCode(fetchAs(C, record, consentId, NAME_DOB_FACE), "EXCHANGE_DIAL_FAILED");
      } finally {
        await watcher.stop();
      }
    });

    it("keeps serving a consent granted to B's old account after B's account is rotated (members compared by id)", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, NAME_DOB_FACE);
      const newAccount = Wallet.createRandom().address as Hex;
      await net.rotateAccount(B, newAccount);
      expect(await A.ledger.isActiveMember(B.account), "old account retired").to.equal(false);
      const fetched = await fetchAs(B, record, consentId, NAME_DOB_FACE);
      expect(fetched.fields.fullName).to.equal(record.commitment.fields.fullName);
    });
  });
});
