/**
 * The core-banking port over the vault: the identity behind one of this bank's attestations,
 * decrypted for the bank's own core systems (role `core-banking`), and the account closure that
 * starts its retention clock. Every read is a vault opening, so it is audited with the reader's key
 * id and the purpose "core-banking". The face template stays in the vault: core banking opens an
 * account, it does not match faces.
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import { RETENTION_YEARS } from "../../vault/retention.ts";
import { RecordNotFoundError, RecordStateError, type RecordMeta, type Vault } from "../../vault/vault.ts";
import type { CoreBankingRecords, VerifiedIdentityView } from "../ports.ts";

export function createCoreBankingRecords(vault: Vault, clock: () => Date = () => new Date()): CoreBankingRecords {
  async function recordOf(uid: Hex): Promise<RecordMeta> {
    const meta = await vault.findRecordByUid(uid);
    if (meta === null) throw new RecordNotFoundError(uid);
    return meta;
  }

  return {
    async readIdentity(uid, reader): Promise<VerifiedIdentityView> {
      const meta = await recordOf(uid);
      // A case still in review is not a verified identity yet; a shredded record is opened to throw RECORD_SHREDDED.
      if (meta.status === "IN_REVIEW") throw new RecordStateError(meta.id, meta.status, "ACTIVE");
      const { fields } = await vault.openRecord(meta.id, reader, "core-banking");
      return {
        uid: meta.uid,
        status: "ACTIVE",
        anchored: meta.anchor !== null,
        verifiedAt: meta.createdAt,
        fields: {
          idNumber: fields.idNumber,
          oldIdNumber: fields.oldIdNumber,
          fullName: fields.fullName,
          dateOfBirth: fields.dateOfBirth,
          sex: fields.sex,
          nationality: fields.nationality,
          address: fields.address,
          issueDate: fields.issueDate,
          expiryDate: fields.expiryDate,
          documentType: fields.documentType,
        },
      };
    },

    async closeAccount(uid, input, actor) {
      const meta = await recordOf(uid);
      const closedAt = input.closedAt ?? clock();
      if (closedAt.getTime() > clock().getTime())
        throw new InvalidArgumentError("closedAt", "must not be in the future");
      const retentionClass = input.retentionClass ?? meta.retention.class;
      // The longer duty (large transactions, suspected laundering) cannot be dropped by a later call.
      if (RETENTION_YEARS[retentionClass] < RETENTION_YEARS[meta.retention.class])
        throw new InvalidArgumentError("retentionClass", `cannot lower ${meta.retention.class} to ${retentionClass}`);
      const closed = await vault.closeAccount(meta.id, { closedAt, retentionClass, actor });
      return {
        uid: closed.uid,
        closedAt: closed.retention.closedAt!,
        retentionClass: closed.retention.class,
        retainUntil: closed.retention.retainUntil!,
      };
    },
  };
}
