/**
 * Packages the elementary files the bank's app read from a card's chip (NFC) into the body of the
 * node's chip upload, checking names and sizes first so the app finds out before sending. Browser and
 * React Native safe: no Node built-ins (base64 through the global `btoa`).
 */
import { InvalidArgumentError } from "../errors.ts";
import { CHIP_FILE_IDS, CHIP_FILE_MAX_BYTES, type ChipFileId, type ChipUploadBody } from "./wire.ts";

/** Files as read (EF.SOD, EF.DG1, EF.DG2 required); keys like "SOD", "EF.DG1", "EF_DG2.bin", any case. */
export type ChipFilesRead = Readonly<Record<string, Uint8Array>>;

export interface ChipAnswer {
  /** The challenge from `createChipChallenge`, hex, exactly as sent to the chip. */
  readonly challenge: string;
  /** The chip's answer to INTERNAL AUTHENTICATE. */
  readonly response: Uint8Array;
}

const REQUIRED: readonly ChipFileId[] = ["SOD", "DG1", "DG2"];

/** The chip upload body; throws INVALID_ARGUMENT for an unknown, duplicate, empty, missing or oversized file. */
export function packageChipFiles(files: ChipFilesRead, answer?: ChipAnswer): ChipUploadBody {
  const packed: Partial<Record<ChipFileId, string>> = {};
  for (const [name, bytes] of Object.entries(files)) {
    const id = chipFileIdOf(name);
    if (id === null) throw new InvalidArgumentError(name, "is not a chip elementary file (SOD, COM, DG1…DG15 sent)");
    if (packed[id] !== undefined) throw new InvalidArgumentError(name, `names ${id} a second time`);
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidArgumentError(name, "is empty");
    if (bytes.length > CHIP_FILE_MAX_BYTES[id])
      throw new InvalidArgumentError(name, `is larger than ${CHIP_FILE_MAX_BYTES[id]} bytes`);
    packed[id] = toBase64(bytes);
  }
  for (const id of REQUIRED) if (packed[id] === undefined) throw new InvalidArgumentError(id, "is required");
  const body: ChipUploadBody = { files: packed as ChipUploadBody["files"] };
  if (answer !== undefined) {
    if (!/^[0-9a-fA-F]{16}$/.test(answer.challenge))
      throw new InvalidArgumentError("challenge", "must be the 8-byte challenge in hex");
    if (answer.response.length === 0 || answer.response.length > 1024)
      throw new InvalidArgumentError("response", "must be 1 to 1024 bytes");
    body.activeAuthentication = { challenge: answer.challenge.toLowerCase(), response: toBase64(answer.response) };
  }
  return body;
}

/** "SOD", "EF.SOD", "EF_DG2.bin", "dg13" → the file id; null for anything else. */
export function chipFileIdOf(name: string): ChipFileId | null {
  const m = /^(?:EF[._])?(SOD|COM|DG\d{1,2})(?:\.bin)?$/i.exec(name);
  const id = m?.[1]?.toUpperCase();
  return (CHIP_FILE_IDS as readonly string[]).includes(id ?? "") ? (id as ChipFileId) : null;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunks keep String.fromCharCode's argument count well under engine limits.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
