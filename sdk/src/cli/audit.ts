/**
 * The logic of `kycnet audit` without a terminal: parse the user's arguments (every one hostile:
 * bad input is an INVALID_ARGUMENT, exit 2), connect read-only, run one auditor check and return
 * a JSON-safe report with a verdict. The command wiring and table rendering live in the node's CLI
 * (node/src/cli/commands/audit.ts); the SDK stays free of node/ imports.
 *
 * Exit codes: 0 every check passed, 1 a check found a problem (findings, a field that does not
 * match, an unknown or revoked attestation, an unknown consent), 2 bad usage or input, 3 the chain
 * is unreachable or is not the one the addresses are for.
 */
import { readFile, stat } from "node:fs/promises";
import { isError } from "ethers";
import { InvalidArgumentError, KycnetError, isKycnetError } from "../errors.ts";
import { assertBytes32, type Hex } from "../protocol/bytes.ts";
import { RECORD_FIELDS } from "../protocol/vocabulary.ts";
import { createAuditor } from "../auditor/auditor.ts";
import { parseAddresses, type AddressesFile } from "../chain/addresses.ts";
import { connectReadOnly } from "../auditor/connect.ts";
import { ChainUnreachableError } from "../auditor/errors.ts";
import { toJsonSafe, type JsonValue } from "../auditor/json.ts";

export const ExitCode = { PASSED: 0, FINDINGS: 1, BAD_INPUT: 2, CHAIN: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface AuditConnection {
  /** `--rpc`, else KYCNET_RPC_URL. */
  readonly rpc?: string;
  /** `--addresses <file>`, else KYCNET_ADDRESSES (a file path, or the JSON itself). */
  readonly addresses?: string;
}

export type AuditRequest =
  | { readonly check: "attestation"; readonly uid: string; readonly at?: string }
  | { readonly check: "consent"; readonly consentId: string }
  | { readonly check: "disclosures"; readonly attestation: string }
  | {
      readonly check: "field";
      readonly uid: string;
      readonly name: string;
      readonly value: string;
      readonly salt: string;
      readonly proof: string;
    };

export interface AuditOutcome {
  readonly check: AuditRequest["check"];
  readonly exitCode: ExitCodeValue;
  /** The auditor's report (JSON-safe), or `{ error: { code, message } }` when it could not run. */
  readonly report: { readonly [key: string]: JsonValue };
}

const MAX_ADDRESSES_FILE = 64 * 1024;

/** `--at`: unix seconds, or an ISO 8601 date / date-time (UTC unless it says otherwise). */
export function parseTime(value: string): bigint {
  const v = value.trim();
  if (/^\d{1,12}$/.test(v)) return BigInt(v);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) || v.length === 10 ? v : `${v}Z`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms) && ms >= 0) return BigInt(Math.floor(ms / 1000));
  }
  throw new InvalidArgumentError("at", "must be unix seconds or an ISO 8601 date (2026-11-23 or 2026-11-23T14:00:00Z)");
}

/** `--proof`: comma-separated 32-byte hashes, at most 32. */
export function parseProof(value: string): Hex[] {
  const parts = value.trim() === "" ? [] : value.split(",").map((p) => p.trim());
  if (parts.length > 32) throw new InvalidArgumentError("proof", "at most 32 hashes");
  parts.forEach((p, i) => assertBytes32(p, `proof[${i}]`));
  return parts as Hex[];
}

async function resolveAddresses(value: string | undefined): Promise<AddressesFile> {
  const source = value ?? process.env.KYCNET_ADDRESSES;
  if (source === undefined || source.trim() === "") {
    throw new InvalidArgumentError("addresses", "give --addresses <file.json> or set KYCNET_ADDRESSES");
  }
  if (source.trim().startsWith("{")) return parseAddresses(source, "KYCNET_ADDRESSES");
  let text: string;
  try {
    const info = await stat(source);
    if (!info.isFile() || info.size > MAX_ADDRESSES_FILE) throw new Error("not a small regular file");
    text = await readFile(source, "utf8");
  } catch (cause) {
    throw new InvalidArgumentError("addresses", `cannot read ${source}`, { cause });
  }
  return parseAddresses(text, "addresses");
}

function resolveRpc(value: string | undefined): string {
  const rpc = value ?? process.env.KYCNET_RPC_URL;
  if (rpc === undefined || rpc.trim() === "")
    throw new InvalidArgumentError("rpc", "give --rpc <url> or set KYCNET_RPC_URL");
  return rpc.trim();
}

/** Checks what can be checked before touching the network, so bad input never waits on a timeout. */
function validate(request: AuditRequest): void {
  switch (request.check) {
    case "attestation":
      assertBytes32(request.uid, "uid");
      if (request.at !== undefined) parseTime(request.at);
      return;
    case "consent":
      assertBytes32(request.consentId, "consentId");
      return;
    case "disclosures":
      assertBytes32(request.attestation, "attestation");
      return;
    case "field":
      assertBytes32(request.uid, "uid");
      if (!(RECORD_FIELDS as readonly string[]).includes(request.name)) {
        throw new InvalidArgumentError("name", `must be one of ${RECORD_FIELDS.join(", ")}`);
      }
      assertBytes32(request.salt, "salt");
      parseProof(request.proof);
  }
}

/** The read-only chain the options (or KYCNET_RPC_URL, KYCNET_ADDRESSES) name; the caller destroys its provider. */
export async function connectAuditChain(connection: AuditConnection) {
  const rpcUrl = resolveRpc(connection.rpc);
  const addresses = await resolveAddresses(connection.addresses);
  return connectReadOnly({ rpcUrl, addresses });
}

export async function runAudit(request: AuditRequest, connection: AuditConnection): Promise<AuditOutcome> {
  let chain;
  try {
    validate(request);
    const addresses = await resolveAddresses(connection.addresses);
    chain = await connectReadOnly({ rpcUrl: resolveRpc(connection.rpc), addresses });
    const auditor = createAuditor({
      provider: chain.provider,
      addresses: chain.addresses,
      fromBlock: addresses.fromBlock ?? 0,
    });
    const { report, passed } = await check(auditor, request);
    return { check: request.check, exitCode: passed ? ExitCode.PASSED : ExitCode.FINDINGS, report };
  } catch (error) {
    return failed(request, error, connection);
  } finally {
    chain?.provider.destroy();
  }
}

async function check(
  auditor: ReturnType<typeof createAuditor>,
  request: AuditRequest,
): Promise<{ report: { [key: string]: JsonValue }; passed: boolean }> {
  const safe = (r: object) => toJsonSafe(r) as { [key: string]: JsonValue };
  switch (request.check) {
    case "attestation": {
      const r = await auditor.inspectAttestation(
        request.uid as Hex,
        request.at === undefined ? {} : { at: parseTime(request.at) },
      );
      return { report: safe(r), passed: r.findings.length === 0 };
    }
    case "consent": {
      const r = await auditor.inspectConsent(request.consentId as Hex);
      // An auditor checks the consent was genuine and honoured; a revoked or expired consent is not a problem in itself.
      return { report: safe(r), passed: r.findings.length === 0 };
    }
    case "disclosures": {
      const r = await auditor.inspectDisclosures(request.attestation as Hex);
      return { report: safe(r), passed: r.findings.length === 0 };
    }
    case "field": {
      const r = await auditor.verifyField({
        uid: request.uid as Hex,
        name: request.name,
        value: request.value,
        salt: request.salt as Hex,
        proof: parseProof(request.proof),
      });
      return { report: safe(r), passed: r.matches && r.findings.length === 0 };
    }
  }
}

/** What the chain does not know is a finding (exit 1); bad input is 2; the chain itself failing is 3. */
function failed(request: AuditRequest, error: unknown, connection: AuditConnection): AuditOutcome {
  const typed = asTyped(error, connection);
  const report = { error: { code: typed.code, message: typed.message } };
  if (typed.code === "ATTESTATION_NOT_FOUND" || typed.code === "CONSENT_NOT_FOUND") {
    return {
      check: request.check,
      exitCode: ExitCode.FINDINGS,
      report: { ...report, status: "UNKNOWN", findings: [typed.message] },
    };
  }
  if (typed.code === "INVALID_ARGUMENT") return { check: request.check, exitCode: ExitCode.BAD_INPUT, report };
  return { check: request.check, exitCode: ExitCode.CHAIN, report };
}

function asTyped(error: unknown, connection: AuditConnection): KycnetError {
  if (isKycnetError(error)) return error;
  if (isError(error, "NETWORK_ERROR") || isError(error, "SERVER_ERROR") || isError(error, "TIMEOUT")) {
    return new ChainUnreachableError(connection.rpc ?? process.env.KYCNET_RPC_URL ?? "?", { cause: error });
  }
  return new KycnetError(
    "AUDIT_FAILED",
    `the chain gave an answer the auditor cannot use: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
    { cause: error },
  );
}
