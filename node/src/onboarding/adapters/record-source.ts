/** The vault as the record server's source (re-onboarding at other banks, under consent). */
import type { RecordSource } from "../../exchange/record-server.ts";
import type { Vault } from "../../vault/vault.ts";

/** The vault as the record server's source: only this bank's anchored, active records can be disclosed. */
export function vaultRecordSource(vault: Vault): RecordSource {
  return {
    async findByAttestationUid(uid) {
      const meta = await vault.findRecordByUid(uid);
      const proof = meta === null ? null : vault.proofOf(meta);
      if (meta === null || meta.status !== "ACTIVE" || proof === null) return null;
      return {
        recordId: meta.id,
        attestation: proof,
        async open() {
          const record = await vault.openRecord(meta.id, "exchange", "disclosure-under-consent");
          const template = record.evidence.faceTemplate;
          return {
            fields: record.fields,
            salts: record.salts,
            faceTemplate: typeof template === "string" ? new Uint8Array(Buffer.from(template, "base64")) : null,
          };
        },
      };
    },
  };
}
