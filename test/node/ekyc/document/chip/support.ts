/** Shared test setup: one test PKI per key kind (key generation is the slow part), chips and trust stores. */
import { CscaTrustStore } from "../../../../../node/src/ekyc/document/chip/trust-store.ts";
import type { Failure } from "../../../../../node/src/ekyc/document/chip/report.ts";
import {
  createTestPki,
  generateChip,
  type ChipOptions,
  type GeneratedChip,
  type TestPki,
} from "../../../../../scripts/chip/generate.ts";
import type { KeyKind } from "../../../../../scripts/chip/pki.ts";

const pkis = new Map<string, TestPki>();

export function testPki(key: KeyKind, rsaPadding: "pkcs1" | "pss" = "pkcs1"): TestPki {
  const id = `${key}-${rsaPadding}`;
  let pki = pkis.get(id);
  if (pki === undefined) {
    pki = createTestPki(key, rsaPadding);
    pkis.set(id, pki);
  }
  return pki;
}

export function trustOf(pki: TestPki): CscaTrustStore {
  const trust = new CscaTrustStore();
  trust.addCertificate(pki.csca.certificate);
  return trust;
}

export const SEED = 20_261_206;

export function chip(
  key: KeyKind,
  variant: ChipOptions["variant"],
  index = 0,
  extra: Partial<ChipOptions> = {},
): Promise<GeneratedChip> {
  return generateChip({ index, seed: SEED, pki: testPki(key), variant, ...extra });
}

/** Failures as { code, dataGroup } pairs, the shape the CLI contract and the expectations use. */
export const codesOf = (failures: readonly Failure[]) =>
  failures.map((f) => ({ code: f.code, dataGroup: f.dataGroup }));

/** A fixed time inside every generated certificate's validity. */
export const NOW = new Date("2026-06-01T00:00:00Z");
