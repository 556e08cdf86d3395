/**
 * The demo story (README's first command): a local chain, the kycnet contracts, a consortium of
 * three banks, a batch of verified customers anchored by bank A, a customer's consent for bank B
 * granted, used (a disclosure logged) and revoked, and what an auditor sees, all from chain data.
 * Customer data here is synthetic; bank keys are the local chain's development accounts.
 */
import { generateKeyPairSync } from "node:crypto";
import { HDNodeWallet, Mnemonic, NonceManager, Wallet, hexlify, randomBytes, type Signer } from "ethers";
import {
  AssuranceLevel, Method, Purpose, RevocationReason, commitRecord, consentIdOf, discloseFields, encodePipelineVersion,
  fieldMaskOf, fieldsOfMask, signConsentGrant, signConsentRevocation, verifyFieldDisclosure, type AttestationData, type Hex,
} from "../../sdk/src/protocol/index.ts";
import { createAuditor } from "../../sdk/src/auditor/auditor.ts";
import { deployKycnet, type GenesisMember } from "../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../node/src/ledger/ethers/ethers-ledger.ts";
import { ContractRevertError } from "../../node/src/ledger/errors.ts";
import { colour, renderFacts, renderTable, stepper } from "../../node/src/cli/output.ts";
import { startLocalChain } from "../lib/local-chain.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";

const DEV_MNEMONIC = "test test test test test test test test test test test junk"; // Hardhat's public development accounts
const say = (s = "") => process.stdout.write(`${s}\n`);
const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-6)}`;
const date = (t: bigint) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");

/** A development member: a libp2p-style Ed25519 peer id and a P-256 transport key made locally. */
function devMember(account: Hex, name: string): GenesisMember {
  const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const peerId = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...ed]); // identity multihash of an Ed25519 key
  const transportKey = new Uint8Array(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" }).subarray(-65));
  return { account, name, peerId, transportKey };
}

const PEOPLE = [
  { fullName: "Nguyễn Thị Ánh Tuyết", sex: "F", dateOfBirth: "1994-03-12", address: "Số 12 Ngõ 45 Láng Hạ, Đống Đa, Hà Nội" },
  { fullName: "Trần Văn Đức", sex: "M", dateOfBirth: "1988-11-30", address: "Ấp 3, Tân Thạnh Đông, Củ Chi, TP. Hồ Chí Minh" },
  { fullName: "Lê Hoàng Phương Anh", sex: "F", dateOfBirth: "2001-07-04", address: "42 Trần Phú, Hải Châu, Đà Nẵng" },
  { fullName: "Phạm Quốc Bảo", sex: "M", dateOfBirth: "1979-01-21", address: "7 Lê Lợi, Ninh Kiều, Cần Thơ" },
  { fullName: "Võ Thị Hồng Nhung", sex: "F", dateOfBirth: "1996-09-09", address: "88 Hùng Vương, Thành phố Huế" },
];

const step = stepper(8);
const started = performance.now();
say(colour.bold("kycnet demo: verify once at bank A, reuse at bank B with the customer's consent\n"));

const chain = await step("Starting a local chain (Hardhat EDR, JSON-RPC on 127.0.0.1)", () => startLocalChain());
const stop = async () => { await chain.stop(); };
process.once("SIGINT", () => void stop().then(() => process.exit(130)));

try {
  const provider = createRpcProvider(chain.url, { chainId: chain.chainId, pollingIntervalMs: 100 });
  const keys = [0, 1, 2, 3].map((i) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider));
  const [deployer, bankA, bankB, bankC] = keys.map((k): Signer => new NonceManager(k)) as [Signer, Signer, Signer, Signer];
  const members = [devMember(keys[1]!.address as Hex, "Bank A"), devMember(keys[2]!.address as Hex, "Bank B"), devMember(keys[3]!.address as Hex, "Bank C")];

  const addresses = await step("Deploying ConsortiumRegistry, AttestationRegistry, ConsentRegistry (3 banks, 2-of-3)", () =>
    deployKycnet(deployer, { members, threshold: 2 }));
  say(renderTable(Object.entries(addresses).map(([contract, address]) => ({ contract, address }))));

  const ledgerA = await createEthersLedger({ runner: bankA, addresses });
  const ledgerB = await createEthersLedger({ runner: bankB, addresses });
  const ledgerC = await createEthersLedger({ runner: bankC, addresses });
  const chainNow = BigInt((await provider.getBlock("latest"))!.timestamp);

  // Each customer's app makes a fresh subject key for this attestation (no key reused across banks).
  const customers = PEOPLE.map((p, i) => ({
    key: Wallet.createRandom(),
    commitment: commitRecord({
      idNumber: `0010${String(94 + i).padStart(2, "0")}00${String(1234 + i * 7).padStart(4, "0")}`, ...p, nationality: "VNM",
      issueDate: "2021-06-01", expiryDate: "2036-06-01", documentType: "CCCD", faceTemplate: hexlify(randomBytes(32)),
    }),
  }));
  const batch = await step(`Bank A anchors a batch of ${customers.length} verified customers (salted commitments only)`, () =>
    ledgerA.anchorBatch(customers.map((c): AttestationData => ({
      subject: c.key.address as Hex, recordRoot: c.commitment.root, method: Method.FULL_EKYC, assuranceLevel: AssuranceLevel.LEVEL_1,
      pipelineVersion: encodePipelineVersion("ekyc/0.1.0"), issuedAt: chainNow, expiresAt: chainNow + 5n * 365n * 86_400n,
      refUid: `0x${"00".repeat(32)}`,
    }))));
  say(renderFacts({ "batch root": batch.batchRoot, transaction: batch.txHash, gas: `${batch.gasUsed} (${batch.gasUsed / BigInt(customers.length)} per record)` }));
  say(renderTable(customers.map((c, i) => ({ customer: c.commitment.fields.fullName, "attestation uid": short(batch.uids[i]!), "record root on chain": short(c.commitment.root) }))));

  const customer = customers[0]!;
  const proof = batch.proofs[0]!;
  const domain = { chainId: chain.chainId, verifyingContract: addresses.consents };
  const grant = {
    attestationUid: batch.uids[0]!, grantee: (await bankB.getAddress()) as Hex, purpose: Purpose.ONBOARDING,
    fieldMask: fieldMaskOf(["idNumber", "fullName", "dateOfBirth", "faceTemplate"]), validUntil: chainNow + 7n * 86_400n,
    nonce: BigInt(hexlify(randomBytes(16))), deadline: chainNow + 600n,
  };
  const consentId = consentIdOf(grant);
  await step(`${customer.commitment.fields.fullName} signs a consent for bank B (EIP-712); bank B relays it`, async () => {
    const signature = await signConsentGrant(customer.key, domain, grant);
    await ledgerB.grantConsentBySig(grant, proof, signature);
  });
  say(renderFacts({ "consent id": consentId, fields: fieldsOfMask(grant.fieldMask).join(", "), status: await ledgerB.consentStatus(consentId) }));

  await step("Bank A discloses the granted fields to bank B and logs the disclosure on chain", async () => {
    const disclosures = discloseFields(customer.commitment, fieldsOfMask(grant.fieldMask));
    // Bank B checks every received field against the root anchored by bank A before using it.
    for (const d of disclosures) if (!verifyFieldDisclosure(proof.data.recordRoot, d)) throw new Error(`field ${d.name} does not match`);
    await ledgerA.recordDisclosure(consentId, grant.fieldMask, hexlify(randomBytes(32)) as Hex);
  });

  /** Runs a write that must be refused and returns the contract's custom error name. */
  const refused = async (write: () => Promise<unknown>): Promise<string> => {
    try {
      await write();
    } catch (error) {
      if (error instanceof ContractRevertError) return error.revert;
      throw error;
    }
    throw new Error("the contract accepted a write it must refuse");
  };

  const byC = await step("Bank C tries to log a disclosure under that consent: refused by the contract", () =>
    refused(() => ledgerC.recordDisclosure(consentId, grant.fieldMask, hexlify(randomBytes(32)) as Hex)));
  say(colour.dim(`      reverted with ${byC}`));

  const afterRevocation = await step("The customer revokes the consent; a later disclosure is refused", async () => {
    const revocation = { consentId, nonce: BigInt(hexlify(randomBytes(16))), deadline: chainNow + 600n };
    await ledgerB.revokeConsentBySig(revocation, await signConsentRevocation(customer.key, domain, revocation));
    return refused(() => ledgerA.recordDisclosure(consentId, grant.fieldMask, hexlify(randomBytes(32)) as Hex));
  });
  say(colour.dim(`      reverted with ${afterRevocation}; consent status ${await ledgerA.consentStatus(consentId)}`));

  // The auditor: a read-only provider and the contract addresses, nothing else.
  const auditor = createAuditor({ provider: createRpcProvider(chain.url, { chainId: chain.chainId }), addresses });
  const [attestation, consent] = await step("Auditor inspects the attestation and the consent trail from chain data alone", () =>
    Promise.all([auditor.inspectAttestation(batch.uids[0]!), auditor.inspectConsent(consentId)]));

  say(colour.bold("\nWhat the auditor sees: the attestation"));
  say(renderFacts({
    uid: attestation.uid, issuer: `${attestation.issuerName} (${attestation.issuer})`, "issuer active when anchoring": attestation.issuerActiveAtAnchoring,
    method: attestation.method, "assurance level": attestation.assuranceLevel, pipeline: attestation.pipelineVersion,
    "issued at": date(attestation.issuedAt), "expires at": date(attestation.expiresAt), status: attestation.status,
    findings: attestation.findings.length === 0 ? "none" : attestation.findings.join("; "),
  }));
  say(colour.bold("What the auditor sees: the consent trail"));
  say(renderTable(consent.history.map((e) => ({
    block: e.blockNumber, event: e.kind, at: date(e.at), by: short(e.by), fields: e.fieldMask === undefined ? "" : fieldsOfMask(e.fieldMask).join(","),
    "consent status then": e.consentStatusThen ?? "",
  }))));
  say(renderFacts({ "consent status now": consent.status, findings: consent.findings.length === 0 ? "none" : consent.findings.join("; ") }));

  say(colour.bold("The customer hands the auditor one field and its salt; the auditor checks it against the anchored root"));
  const [dob] = discloseFields(customer.commitment, ["dateOfBirth"]);
  say(renderFacts({ field: dob!.name, value: dob!.value, "matches anchored root": verifyFieldDisclosure(attestation.proof.data.recordRoot, dob!),
    "a wrong value matches": verifyFieldDisclosure(attestation.proof.data.recordRoot, { ...dob!, value: "1994-03-13" }) }));
  say(colour.green(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s; revocation reason codes: ${Object.keys(RevocationReason).join(", ")}`));
  provider.destroy();
} finally {
  await stop();
}
