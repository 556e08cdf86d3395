/**
 * The CCCD QR payload: `id12|oldId9|fullName|ddmmyyyy|sex|address|ddmmyyyy` (date of birth, then
 * issue date). Parsed into canonical values (docs/protocol.md §2), every part validated.
 */
import { canonicalName, canonicalText, parseDayMonthYear, parseSex } from "../canonical.ts";
import { citizenIdInconsistencies, decodeCitizenId } from "../citizen-id.ts";
import { QrPayloadError } from "../errors.ts";

export interface CccdQrData {
  idNumber: string;
  oldIdNumber: string;
  fullName: string;
  dateOfBirth: string;
  sex: "M" | "F";
  address: string;
  issueDate: string;
}

const MAX_PAYLOAD_CHARS = 1024;

/** Parses and validates a payload; throws QrPayloadError naming the first bad part. */
export function parseCccdQr(text: string): CccdQrData {
  if (text.length === 0) throw new QrPayloadError("empty");
  if (text.length > MAX_PAYLOAD_CHARS) throw new QrPayloadError(`longer than ${MAX_PAYLOAD_CHARS} characters`);
  const parts = text.split("|");
  if (parts.length !== 7) throw new QrPayloadError(`expected 7 parts separated by "|", got ${parts.length}`);
  const [id, oldId, name, dob, sexText, address, issue] = parts.map((p) => p.trim()) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const idFacts = decodeCitizenId(id);
  if ("problem" in idFacts) throw new QrPayloadError(`id number ${idFacts.problem}`, "idNumber");
  if (oldId !== "" && !/^\d{9}$/.test(oldId))
    throw new QrPayloadError("old id number must be 9 digits or empty", "oldIdNumber");
  const fullName = canonicalName(name);
  if (fullName.length < 2 || /[\d|<>]/.test(fullName))
    throw new QrPayloadError("full name is missing or has digits/symbols", "fullName");
  const dateOfBirth = parseDayMonthYear(dob);
  if (dateOfBirth === null || !/^\d{8}$/.test(dob))
    throw new QrPayloadError("date of birth is not a real ddmmyyyy date", "dateOfBirth");
  const sex = parseSex(sexText);
  if (sex === null) throw new QrPayloadError(`sex must be Nam or Nữ`, "sex");
  const canonicalAddress = canonicalText(address);
  if (canonicalAddress.length < 3) throw new QrPayloadError("address is missing", "address");
  const issueDate = parseDayMonthYear(issue);
  if (issueDate === null || !/^\d{8}$/.test(issue))
    throw new QrPayloadError("issue date is not a real ddmmyyyy date", "issueDate");
  if (issueDate < dateOfBirth) throw new QrPayloadError("issue date is before the date of birth", "issueDate");
  const problems = citizenIdInconsistencies(id, dateOfBirth, sex);
  if (problems.length > 0)
    throw new QrPayloadError(`id number does not match the holder: ${problems.join("; ")}`, "idNumber");
  return { idNumber: id, oldIdNumber: oldId, fullName, dateOfBirth, sex, address: canonicalAddress, issueDate };
}
