/**
 * Gas per anchored record: kycnet batch anchoring vs the Ethereum Attestation Service, deployed
 * side by side on the same Hardhat network in the same run (EAS from its npm package's own
 * compiled artifacts, with a schema holding the same on-chain facts as a kycnet attestation).
 * Every batch carries an audit head, as the node sends it; the same batch size without one is
 * measured in the same run, as the baseline of what the audit head costs, and so is an audit-only
 * anchor. Also the gas of consent grant, revoke and disclosure. Run: npm run bench:gas
 */
import { createRequire } from "node:module";
import { network } from "hardhat";
import {
  AbiCoder,
  ContractFactory,
  Wallet,
  ZeroHash,
  hexlify,
  randomBytes,
  type InterfaceAbi,
  type Signer,
} from "ethers";
import {
  AssuranceLevel,
  Method,
  Purpose,
  consentIdOf,
  encodePipelineVersion,
  signConsentGrant,
  signConsentRevocation,
  type AttestationData,
  type Hex,
} from "@kycnet/sdk/protocol";
import { deployKycnet } from "../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../node/src/ledger/ethers/ethers-ledger.ts";
import { printTable, writeResults, type Row } from "./lib/report.ts";

const require = createRequire(import.meta.url);
const easArtifact = (name: string) =>
  require(`@ethereum-attestation-service/eas-contracts/artifacts/contracts/${name}.sol/${name}.json`) as {
    abi: InterfaceAbi;
    bytecode: string;
  };

const BATCH_SIZES = [1, 16, 256];
const EAS_SCHEMA = "bytes32 recordRoot,uint8 method,uint8 assuranceLevel,bytes32 pipelineVersion";

const { ethers } = await network.create();
const [deployer, bankA, bankB] = (await ethers.getSigners()) as unknown as Signer[];
const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

function randomRecord(): AttestationData {
  return {
    subject: Wallet.createRandom().address as Hex,
    recordRoot: hexlify(randomBytes(32)) as Hex,
    method: Method.FULL_EKYC,
    assuranceLevel: AssuranceLevel.LEVEL_1,
    pipelineVersion: encodePipelineVersion("ekyc/0.1.0"),
    issuedAt: now,
    expiresAt: now + 5n * 365n * 86_400n,
    refCommitment: ZeroHash as Hex,
  };
}

// --- kycnet ---------------------------------------------------------------------------------
const member = async (s: Signer, name: string) => ({
  account: (await s.getAddress()) as Hex,
  name,
  peerId: randomBytes(38),
  transportKey: new Uint8Array([2, ...randomBytes(32)]),
});
const addresses = await deployKycnet(deployer!, {
  members: [await member(bankA!, "Bank A"), await member(bankB!, "Bank B")],
  threshold: 1,
});
const ledgerA = await createEthersLedger({ runner: bankA!, addresses });
const ledgerB = await createEthersLedger({ runner: bankB!, addresses });

const kycnetRows: Row[] = [];
const kycnetGas: Record<number, number> = {};
let lastBatch: Awaited<ReturnType<typeof ledgerA.anchorBatch>> | undefined;
// An audit head as the node sends it: a count and a sha256 (its bytes are as good as random).
let auditCount = 1_000;
const auditHead = () => ({ count: (auditCount += 300), hash: hexlify(randomBytes(32)).slice(2) });
for (const size of BATCH_SIZES) {
  const batch = await ledgerA.anchorBatch(Array.from({ length: size }, randomRecord), auditHead());
  kycnetGas[size] = Number(batch.gasUsed) / size;
  kycnetRows.push({
    system: "kycnet anchor",
    batchSize: size,
    txGas: Number(batch.gasUsed),
    gasPerRecord: Math.round(kycnetGas[size]),
  });
  lastBatch = batch;
}

// The baseline: the same batch size with no audit head (the contract then emits no AuditAnchored).
const LARGEST = BATCH_SIZES.at(-1)!;
const withoutHead = await ledgerA.anchorBatch(Array.from({ length: LARGEST }, randomRecord));
const withoutHeadGas = Number(withoutHead.gasUsed) / LARGEST;
kycnetRows.push({
  system: "kycnet anchor, no audit head",
  batchSize: LARGEST,
  txGas: Number(withoutHead.gasUsed),
  gasPerRecord: Math.round(withoutHeadGas),
});
const auditOnly = await ledgerA.anchorAuditHead(auditHead());
kycnetRows.push({
  system: "kycnet anchorAudit (head alone)",
  batchSize: 0,
  txGas: Number(auditOnly.gasUsed),
  gasPerRecord: "-",
});

// --- EAS -------------------------------------------------------------------------------------
const registryArtifact = easArtifact("SchemaRegistry");
const schemaRegistry = await new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, deployer).deploy();
await schemaRegistry.waitForDeployment();
const easArt = easArtifact("EAS");
const eas = await new ContractFactory(easArt.abi, easArt.bytecode, deployer).deploy(await schemaRegistry.getAddress());
await eas.waitForDeployment();
const registerTx = await schemaRegistry.getFunction("register")(EAS_SCHEMA, ZeroHash.slice(0, 42), true);
const registered = await registerTx.wait();
const schemaUid = registered!.logs
  .map((l: { topics: readonly string[]; data: string }) => schemaRegistry.interface.parseLog(l))
  .find((l: { name: string } | null) => l?.name === "Registered")!.args[0] as string;

const easRequest = (r: AttestationData) => ({
  recipient: r.subject,
  expirationTime: r.expiresAt,
  revocable: true,
  refUID: r.refCommitment,
  data: AbiCoder.defaultAbiCoder().encode(
    ["bytes32", "uint8", "uint8", "bytes32"],
    [r.recordRoot, r.method, r.assuranceLevel, r.pipelineVersion],
  ),
  value: 0n,
});
const easAsA = eas.connect(bankA!);

// Single attests: average over 16 records (each is an independent transaction).
const singleGas: number[] = [];
for (let i = 0; i < 16; i++) {
  const tx = await easAsA.getFunction("attest")({ schema: schemaUid, data: easRequest(randomRecord()) });
  singleGas.push(Number((await tx.wait())!.gasUsed));
}
const easAttestGasPerRecord = singleGas.reduce((a, b) => a + b, 0) / singleGas.length;
const easRows: Row[] = [
  {
    system: "EAS attest",
    batchSize: 1,
    txGas: Math.round(easAttestGasPerRecord),
    gasPerRecord: Math.round(easAttestGasPerRecord),
  },
];

// multiAttest: EAS writes a storage record per attestation, so 256 does not fit one transaction
// under the 16.7M per-transaction cap; measure the sizes that fit and say so for the rest.
const easMultiGas: Record<number, number | null> = {};
for (const size of BATCH_SIZES) {
  const records = Array.from({ length: size }, randomRecord).map(easRequest);
  try {
    const tx = await easAsA.getFunction("multiAttest")([{ schema: schemaUid, data: records }]);
    const gas = Number((await tx.wait())!.gasUsed);
    easMultiGas[size] = gas / size;
    easRows.push({ system: "EAS multiAttest", batchSize: size, txGas: gas, gasPerRecord: Math.round(gas / size) });
  } catch {
    easMultiGas[size] = null;
    easRows.push({ system: "EAS multiAttest", batchSize: size, txGas: "does not fit one tx", gasPerRecord: "-" });
  }
}

// --- consent -----------------------------------------------------------------------------------
// One record of the last batch belongs to this subject; the customer signs a grant for bank B.
const subject = Wallet.createRandom();
const own = await ledgerA.anchorBatch([{ ...randomRecord(), subject: subject.address as Hex }]);
const proof = own.proofs[0]!;
const domain = { chainId: await ledgerA.chainId(), verifyingContract: addresses.consents };
const grant = {
  attestationUid: own.uids[0]!,
  grantee: (await bankB!.getAddress()) as Hex,
  purpose: Purpose.ONBOARDING,
  fieldMask: 0x7ff,
  validUntil: now + 86_400n * 30n,
  nonce: 1n,
  deadline: now + 3_600n,
};
const granted = await ledgerB.grantConsentBySig(grant, proof, await signConsentGrant(subject, domain, grant));
const disclosed = await ledgerA.recordDisclosure(consentIdOf(grant), 0x7ff, hexlify(randomBytes(32)) as Hex);
const revocation = { consentId: consentIdOf(grant), nonce: 2n, deadline: now + 3_600n };
const revoked = await ledgerB.revokeConsentBySig(revocation, await signConsentRevocation(subject, domain, revocation));
const revokedAttestation = await ledgerA.revokeAttestation(lastBatch!.proofs[0]!, 1);
const consentRows: Row[] = [
  { operation: "consent grantBySig", gas: Number(granted.gasUsed) },
  { operation: "consent recordDisclosure", gas: Number(disclosed.gasUsed) },
  { operation: "consent revokeBySig", gas: Number(revoked.gasUsed) },
  { operation: "attestation revoke", gas: Number(revokedAttestation.gasUsed) },
];

// --- report ------------------------------------------------------------------------------------
const ratio = kycnetGas[256]! / easAttestGasPerRecord;
printTable("Gas per anchored record (same network, same run)", [...kycnetRows, ...easRows]);
printTable(
  "kycnet vs EAS attest",
  BATCH_SIZES.map((size) => ({
    batchSize: size,
    kycnetGasPerRecord: Math.round(kycnetGas[size]!),
    easAttestGasPerRecord: Math.round(easAttestGasPerRecord),
    percentOfEasAttest: `${((100 * kycnetGas[size]!) / easAttestGasPerRecord).toFixed(2)} %`,
  })),
);
printTable("Consent and revocation", consentRows);
writeResults("gas", {
  batchSize: 256,
  kycnetGasPerRecord: Math.round(kycnetGas[256]!),
  easAttestGasPerRecord: Math.round(easAttestGasPerRecord),
  ratio: Number(ratio.toFixed(4)),
  target: { maxRatio: 0.05, met: ratio <= 0.05 },
  auditHead: {
    gasPerRecordWithout: Math.round(withoutHeadGas),
    gasPerRecordWith: Math.round(kycnetGas[LARGEST]!),
    extraGasPerBatch: Math.round((kycnetGas[LARGEST]! - withoutHeadGas) * LARGEST),
    anchorAuditTxGas: Number(auditOnly.gasUsed),
  },
  kycnetGasPerRecordByBatchSize: Object.fromEntries(BATCH_SIZES.map((s) => [s, Math.round(kycnetGas[s]!)])),
  easMultiAttestGasPerRecordByBatchSize: Object.fromEntries(
    BATCH_SIZES.map((s) => [s, easMultiGas[s] === null ? null : Math.round(easMultiGas[s]!)]),
  ),
  consentGas: Object.fromEntries(consentRows.map((r) => [r.operation, r.gas])),
  easSchema: EAS_SCHEMA,
});
