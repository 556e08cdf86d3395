/**
 * Made-up Vietnamese citizens with everything a CCCD carries, as ground truth for test cards.
 * Names, places and numbers are drawn at random from common parts; any resemblance to a real
 * person is chance. The 12-digit id follows the real structure (province code, sex/century digit,
 * two-digit birth year, six random digits) so that the reader's validation is exercised.
 */
import type { CitizenRecord } from "../../node/src/ekyc/checks/national-id/citizen.ts";
import type { Rng } from "./random.ts";

export interface SyntheticPerson {
  idNumber: string;
  /** 9 digits, or "" when the person never had the old CMND. */
  oldIdNumber: string;
  /** As printed: upper case with diacritics, NFC. */
  fullName: string;
  /** As written in the QR payload: title case with diacritics, NFC. */
  nameAsWritten: string;
  dateOfBirth: string; // YYYY-MM-DD
  sex: "M" | "F";
  nationality: "VNM";
  placeOfOrigin: string;
  address: string;
  issueDate: string; // YYYY-MM-DD
  expiryDate: string; // YYYY-MM-DD or ""
  documentType: "CCCD_CHIP";
}

const SURNAMES = [
  "Nguyễn",
  "Trần",
  "Lê",
  "Phạm",
  "Hoàng",
  "Huỳnh",
  "Phan",
  "Vũ",
  "Võ",
  "Đặng",
  "Bùi",
  "Đỗ",
  "Hồ",
  "Ngô",
  "Dương",
  "Lý",
  "Trịnh",
  "Đinh",
];
const MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Công", "Thành", "Gia", "Tuấn"];
const MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Mỹ", "Kim", "Hồng", "Diệu"];
const GIVEN_M = [
  "An",
  "Bình",
  "Cường",
  "Dũng",
  "Đạt",
  "Hiếu",
  "Hùng",
  "Khoa",
  "Long",
  "Nam",
  "Phúc",
  "Sơn",
  "Tuấn",
  "Việt",
  "Quốc",
  "Thắng",
  "Khánh",
  "Lộc",
];
const GIVEN_F = [
  "Hà",
  "Hạnh",
  "Hương",
  "Lan",
  "Linh",
  "Mai",
  "Ngân",
  "Nhung",
  "Phương",
  "Quyên",
  "Quỳnh",
  "Thảo",
  "Trang",
  "Thủy",
  "Vy",
  "Yến",
  "Trâm",
  "Ánh",
];

/** A few real province codes (first three digits of the id) with matching place names. */
const PROVINCES: ReadonlyArray<{ code: string; name: string; districts: readonly string[] }> = [
  { code: "001", name: "Hà Nội", districts: ["Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Cầu Giấy", "Huyện Gia Lâm"] },
  { code: "031", name: "Hải Phòng", districts: ["Quận Lê Chân", "Quận Ngô Quyền", "Huyện Thủy Nguyên"] },
  { code: "038", name: "Thanh Hóa", districts: ["Thành phố Thanh Hóa", "Huyện Quảng Xương", "Huyện Thọ Xuân"] },
  { code: "040", name: "Nghệ An", districts: ["Thành phố Vinh", "Huyện Diễn Châu", "Huyện Nghi Lộc"] },
  { code: "046", name: "Thừa Thiên Huế", districts: ["Thành phố Huế", "Huyện Phú Vang"] },
  { code: "048", name: "Đà Nẵng", districts: ["Quận Hải Châu", "Quận Sơn Trà", "Huyện Hòa Vang"] },
  {
    code: "079",
    name: "Hồ Chí Minh",
    districts: ["Quận 1", "Quận 3", "Quận Bình Thạnh", "Quận Gò Vấp", "Thành phố Thủ Đức"],
  },
  { code: "092", name: "Cần Thơ", districts: ["Quận Ninh Kiều", "Quận Cái Răng", "Huyện Phong Điền"] },
];
const WARDS = [
  "Phường Bến Nghé",
  "Phường Tân Định",
  "Xã Hòa Phú",
  "Phường Đa Kao",
  "Xã Phước Kiển",
  "Phường Trúc Bạch",
  "Xã Quảng Hưng",
  "Phường Hưng Dũng",
];
const STREETS = [
  "Lê Lợi",
  "Trần Hưng Đạo",
  "Nguyễn Huệ",
  "Hai Bà Trưng",
  "Điện Biên Phủ",
  "Lý Thường Kiệt",
  "Phan Đình Phùng",
  "Võ Thị Sáu",
];

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

function randomDate(rng: Rng, fromYear: number, toYear: number): { y: number; m: number; d: number } {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  const d = rng.int(1, new Date(Date.UTC(y, m, 0)).getUTCDate());
  return { y, m, d };
}
const iso = (v: { y: number; m: number; d: number }): string => `${pad(v.y, 4)}-${pad(v.m, 2)}-${pad(v.d, 2)}`;

/** Expiry rule of the 2014 Citizen Identification law: the 25th, 40th or 60th birthday, else none. */
function expiryFor(birth: { y: number; m: number; d: number }, issueYear: number): string {
  const age = issueYear - birth.y;
  const milestone = age < 23 ? 25 : age < 38 ? 40 : age < 58 ? 60 : null;
  if (milestone === null) return "";
  const y = birth.y + milestone;
  const d = Math.min(birth.d, new Date(Date.UTC(y, birth.m, 0)).getUTCDate());
  return iso({ y, m: birth.m, d });
}

export function makePerson(rng: Rng): SyntheticPerson {
  const sex = rng.next() < 0.5 ? "M" : "F";
  const birth = randomDate(rng, 1966, 2006);
  const province = rng.pick(PROVINCES);
  const century = Math.floor(birth.y / 100) - 19; // 0 for 19xx, 1 for 20xx
  const sexCentury = century * 2 + (sex === "F" ? 1 : 0);
  const idNumber = `${province.code}${sexCentury}${pad(birth.y % 100, 2)}${pad(rng.int(0, 999_999), 6)}`;
  const oldIdNumber = birth.y < 1995 && rng.next() < 0.7 ? pad(rng.int(10_000_000, 399_999_999), 9) : "";
  const name = [
    rng.pick(SURNAMES),
    rng.pick(sex === "M" ? MIDDLE_M : MIDDLE_F),
    rng.pick(sex === "M" ? GIVEN_M : GIVEN_F),
  ];
  const nameAsWritten = name.join(" ").normalize("NFC");
  const fullName = nameAsWritten.toLocaleUpperCase("vi").normalize("NFC");
  const issue = randomDate(rng, 2021, 2024);
  const issueYear = Math.max(issue.y, birth.y + 14);
  const issueDate = iso({ ...issue, y: issueYear });
  const origin = rng.pick(PROVINCES);
  const home = rng.pick(PROVINCES);
  const address =
    `${rng.int(1, 250)} ${rng.pick(STREETS)}, ${rng.pick(WARDS)}, ${rng.pick(home.districts)}, ${home.name}`.normalize(
      "NFC",
    );
  return {
    idNumber,
    oldIdNumber,
    fullName,
    nameAsWritten,
    dateOfBirth: iso(birth),
    sex,
    nationality: "VNM",
    placeOfOrigin: `${rng.pick(origin.districts)}, ${origin.name}`.normalize("NFC"),
    address,
    issueDate,
    expiryDate: expiryFor(birth, issueYear),
    documentType: "CCCD_CHIP",
  };
}

/** `YYYY-MM-DD` → `DD/MM/YYYY` as printed on the card. */
export const printedDate = (isoDate: string): string => isoDate.split("-").reverse().join("/");
/** `YYYY-MM-DD` → `DDMMYYYY` as in the QR payload. */
export const qrDate = (isoDate: string): string => isoDate.split("-").reverse().join("");
/** Sex as printed and as in the QR: Nam / Nữ. */
export const printedSex = (sex: "M" | "F"): string => (sex === "M" ? "Nam" : "Nữ");

/** The CCCD QR payload: id12|oldId9|fullName|ddmmyyyy|sex|address|ddmmyyyy (issue date). */
export function qrPayload(p: SyntheticPerson): string {
  return [
    p.idNumber,
    p.oldIdNumber,
    p.nameAsWritten,
    qrDate(p.dateOfBirth),
    printedSex(p.sex),
    p.address,
    qrDate(p.issueDate),
  ].join("|");
}

/** The national ID registry's record of a generated person (what the registry simulator is seeded with). */
export function citizenRecordOf(person: SyntheticPerson): CitizenRecord {
  const { idNumber, oldIdNumber, fullName, dateOfBirth, sex, address } = person;
  return { idNumber, oldIdNumber, fullName, dateOfBirth, sex, address };
}
