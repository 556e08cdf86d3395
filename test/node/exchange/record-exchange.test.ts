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
});
