/**
 * The record protocol end to end: real libp2p hosts on 127.0.0.1 (TCP, Noise, Yamux), a real
 * Hardhat chain with the consortium's real peer ids and transport keys, MemoryKeyManager custody.
 * Bank A issues and serves; B (and C) request under customer consents.
 */
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { Contract, getBytes } from "ethers";
import { ConsentRegistryAbi } from "../../../sdk/src/chain/abis.ts";
import { RevocationReason, fieldMaskOf, type Hex } from "../../../sdk/src/protocol/index.ts";
import { isKycnetError } from "../../../sdk/src/errors.ts";
import { withPeerId } from "../../../node/src/exchange/host.ts";
import {
  MAX_REQUEST_BYTES, RECORD_PROTOCOL, decodeRequest, decodeResponse, encodeMessage, payloadAad,
  type RecordResponse,
} from "../../../node/src/exchange/messages.ts";
import { framed, readFrame } from "../../../node/src/exchange/record-protocol.ts";
import { exchangeConsortium, type Bank, type ExchangeConsortium, type IssuedRecord } from "./fixture.ts";

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
async function rawExchange(from: Bank, to: Bank, bytes: Uint8Array, options: { send?: boolean } = {}): Promise<RecordResponse> {
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
    net = await exchangeConsortium({ server: { requestTimeoutMs: 800 } });
    ({ A, B, C, D, outsider } = net.banks);
  });
  after(async () => {
    await net?.stop();
  });

  const fetchAs = (bank: Bank, record: IssuedRecord, consentId: Hex, fields: number, signal?: AbortSignal) =>
    bank.client.fetchRecord({ address: A.address(), consentId, attestation: record.proof, fields, ...(signal ? { signal } : {}) });

  describe("when B holds an active consent for the fields it asks", () => {
    it("returns exactly the requested fields, each verified against the anchored root, and the face template", async () => {
      const record = await net.issue();
      const { consentId } = await net.grant(record, B, ID_NAME_DOB_FACE);
      const fetched = await fetchAs(B, record, consentId, NAME_DOB_FACE);
      expect(fetched.fields).to.deep.equal({
        fullName: record.commitment.fields.fullName, dateOfBirth: record.commitment.fields.dateOfBirth,
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
      const args = (logs[0] as unknown as { args: { fieldMask: bigint; requestId: string; attestationUid: string } }).args;
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
      await expectCode(fetchAs(B, record, consentId, fieldMaskOf(["fullName", "address"])), "EXCHANGE_REFUSED", "FIELDS_NOT_GRANTED");
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
      const response = await rawExchange(B, A, requestBytes({ consentId, attestationUid: record.uid, fields: NAME_DOB_FACE }));
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

    it("BAD_REQUEST when the consent is for another attestation than the one asked for", async () => {
      const [r1, r2] = [await net.issue(), await net.issue()];
      const { consentId } = await net.grant(r1, B, NAME_DOB_FACE);
      const response = await rawExchange(B, A, requestBytes({ consentId, attestationUid: r2.uid, fields: NAME_DOB_FACE }));
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
      for (const body of [{ ...base, fields: 0 }, { ...base, fields: 0x800 }, { ...base, fields: 4, extra: true }, { ...base, fields: 4, v: 2 }]) {
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
});
