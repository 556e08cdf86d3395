/**
 * Per-field salted commitments of a verified record (docs/protocol.md §2).
 *
 * A record's eleven canonical fields each get a fresh 32-byte salt; the leaves go into an
 * OpenZeppelin StandardMerkleTree whose root is what the chain stores. A field can later be
 * disclosed alone (value + salt + proof) and checked against the root; the other fields stay hidden,
 * and the salt keeps a low-entropy value (a date of birth) from being guessed from the root.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, hexlify, keccak256 } from "ethers";
import { InvalidArgumentError, KycnetError } from "../errors.ts";
import { assertBytes32, type Hex } from "./bytes.ts";
import { canonicalizeField, canonicalizeRecord } from "./canonical.ts";
import { secureRandomBytes } from "./random.ts";
import { RECORD_FIELDS, type RecordField, type RecordFields } from "./vocabulary.ts";

export const LEAF_ENCODING = ["string", "string", "bytes32"] as const;

export type FieldSalts = Readonly<Record<RecordField, Hex>>;

/** Everything a bank keeps (encrypted) to prove or disclose any field later. */
export interface RecordCommitment {
  readonly fields: RecordFields;
  readonly salts: FieldSalts;
  readonly root: Hex;
}

/** What a discloser sends for one field, and what an auditor checks. */
export interface FieldDisclosure {
  readonly name: RecordField;
  readonly value: string;
  readonly salt: Hex;
  readonly proof: readonly Hex[];
}

export class CommitmentMismatchError extends KycnetError {
  constructor(field: string) {
    super("COMMITMENT_MISMATCH", `field ${field} does not match the committed record root`, { details: { field } });
  }
}

export function randomSalts(): FieldSalts {
  const salts = {} as Record<RecordField, Hex>;
  for (const field of RECORD_FIELDS) salts[field] = hexlify(secureRandomBytes(32)) as Hex;
  return Object.freeze(salts);
}

/** The leaf hash of one field: keccak256(keccak256(abi.encode(name, value, salt))). */
export function fieldLeaf(name: RecordField, value: string, salt: Hex): Hex {
  assertBytes32(salt, `salts.${name}`);
  const encoded = AbiCoder.defaultAbiCoder().encode([...LEAF_ENCODING], [name, value, salt]);
  return keccak256(keccak256(encoded)) as Hex;
}

function buildTree(fields: RecordFields, salts: FieldSalts): StandardMerkleTree<[string, string, string]> {
  for (const field of RECORD_FIELDS) assertBytes32(salts[field], `salts.${field}`);
  return StandardMerkleTree.of(
    RECORD_FIELDS.map((name): [string, string, string] => [name, fields[name], salts[name]]),
    [...LEAF_ENCODING],
  );
}

/**
 * Commits to a record: canonicalises the input (rejecting bad fields), draws salts unless given,
 * and computes the root. Pass `salts` only to rebuild an existing commitment.
 */
export function commitRecord(
  input: Readonly<Record<string, unknown>>,
  salts: FieldSalts = randomSalts(),
): RecordCommitment {
  const fields = canonicalizeRecord(input);
  const root = buildTree(fields, salts).root as Hex;
  return Object.freeze({ fields, salts, root });
}

/** The disclosures (value, salt, proof) of the chosen fields of a commitment. */
export function discloseFields(commitment: RecordCommitment, names: readonly RecordField[]): FieldDisclosure[] {
  const tree = buildTree(commitment.fields, commitment.salts);
  return names.map((name) => {
    const index = RECORD_FIELDS.indexOf(name);
    if (index < 0) throw new InvalidArgumentError("fields", `unknown field "${String(name)}"`);
    // StandardMerkleTree keeps the input order as the value index.
    return Object.freeze({
      name,
      value: commitment.fields[name],
      salt: commitment.salts[name],
      proof: tree.getProof(index) as Hex[],
    });
  });
}

/** True when the disclosed field, canonicalised, is the one committed under `root`. */
export function verifyFieldDisclosure(root: Hex, disclosure: FieldDisclosure): boolean {
  assertBytes32(root, "root");
  if (!(RECORD_FIELDS as readonly string[]).includes(disclosure.name)) return false;
  const value = canonicalizeField(disclosure.name, disclosure.value);
  if (value !== disclosure.value) return false; // only canonical values were ever committed
  if (!Array.isArray(disclosure.proof) || disclosure.proof.length > 32) return false;
  // Array.isArray narrowed the proof to any[]; the declared type keeps the uses below type-checked.
  const proof: readonly Hex[] = disclosure.proof;
  proof.forEach((p, i) => assertBytes32(p, `proof[${i}]`));
  return StandardMerkleTree.verify(root, [...LEAF_ENCODING], [disclosure.name, value, disclosure.salt], [...proof]);
}

/** Like verifyFieldDisclosure, but throws CommitmentMismatchError naming the field. */
export function assertFieldDisclosure(root: Hex, disclosure: FieldDisclosure): void {
  if (!verifyFieldDisclosure(root, disclosure)) throw new CommitmentMismatchError(disclosure.name);
}
