/**
 * Deterministic synthetic citizens for the registry simulator and tests: Vietnamese names with
 * diacritics, plausible 12-digit CCCD numbers (province code, century/sex digit, birth year),
 * 9-digit old CMND numbers for people old enough to have had one. Same seed, same people. No
 * real person's data is involved.
 */
import type { CitizenRecord } from "../citizen.ts";

/** A small, fast, seedable PRNG (mulberry32); quality is ample for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAMILY_NAMES = [
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
  "Lâm",
  "Mai",
] as const;
export const MIDDLE_NAMES_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Thành", "Xuân", "Đình", "Quang"] as const;
export const MIDDLE_NAMES_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Bảo", "Diệu", "Phương"] as const;
export const GIVEN_NAMES_M = [
  "An",
  "Bình",
  "Cường",
  "Dũng",
  "Đạt",
  "Hải",
  "Hùng",
  "Khánh",
  "Long",
  "Minh",
  "Nam",
  "Phúc",
  "Quân",
  "Sơn",
  "Thắng",
  "Tuấn",
  "Việt",
  "Vinh",
  "Huy",
  "Trung",
] as const;
export const GIVEN_NAMES_F = [
  "Anh",
  "Chi",
  "Dung",
  "Giang",
  "Hà",
  "Hạnh",
  "Hương",
  "Lan",
  "Linh",
  "Mai",
  "Ngân",
  "Nhung",
  "Oanh",
  "Phượng",
  "Quỳnh",
  "Thảo",
  "Trang",
  "Uyên",
  "Vân",
  "Yến",
] as const;
const PROVINCES = [
  { code: "001", name: "Hà Nội" },
  { code: "079", name: "Hồ Chí Minh" },
  { code: "031", name: "Hải Phòng" },
  { code: "048", name: "Đà Nẵng" },
  { code: "092", name: "Cần Thơ" },
  { code: "038", name: "Thanh Hóa" },
  { code: "040", name: "Nghệ An" },
  { code: "046", name: "Thừa Thiên Huế" },
] as const;
const STREETS = [
  "Lê Lợi",
  "Trần Hưng Đạo",
  "Nguyễn Huệ",
  "Hai Bà Trưng",
  "Lý Thường Kiệt",
  "Điện Biên Phủ",
  "Phan Đình Phùng",
] as const;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function digits(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

/** A random Vietnamese full name (title case, with diacritics) of the given sex. */
export function randomVietnameseName(rand: () => number, sex: "M" | "F"): string {
  const middle = pick(rand, sex === "M" ? MIDDLE_NAMES_M : MIDDLE_NAMES_F);
  const given = pick(rand, sex === "M" ? GIVEN_NAMES_M : GIVEN_NAMES_F);
  // About one person in five has a second middle name, as in "Nguyễn Thị Thu Hà".
  const second = rand() < 0.2 ? ` ${pick(rand, sex === "M" ? MIDDLE_NAMES_M : MIDDLE_NAMES_F)}` : "";
  return `${pick(rand, FAMILY_NAMES)} ${middle}${second} ${given}`;
}

export interface CitizenGenerationOptions {
  seed: number;
  count: number;
}

/** `count` distinct synthetic citizens, identical for the same seed. */
export function generateCitizens({ seed, count }: CitizenGenerationOptions): CitizenRecord[] {
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000)
    throw new RangeError("count must be an integer in [0, 1e6]");
  const rand = seededRandom(seed);
  const seenIds = new Set<string>();
  const seenOld = new Set<string>();
  const out: CitizenRecord[] = [];
  while (out.length < count) {
    const sex: "M" | "F" = rand() < 0.5 ? "M" : "F";
    const year = 1950 + Math.floor(rand() * 58); // 1950..2007
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const province = pick(rand, PROVINCES);
    // CCCD digit 4: century and sex (0/1 for the 1900s, 2/3 for the 2000s; even = male).
    const centuryDigit = (year >= 2000 ? 2 : 0) + (sex === "M" ? 0 : 1);
    const idNumber = `${province.code}${centuryDigit}${String(year % 100).padStart(2, "0")}${digits(rand, 6)}`;
    // People born before 2000 mostly had a 9-digit CMND before their CCCD.
    const oldIdNumber = year < 2000 && rand() < 0.7 ? digits(rand, 9) : "";
    if (seenIds.has(idNumber) || (oldIdNumber !== "" && seenOld.has(oldIdNumber))) continue;
    seenIds.add(idNumber);
    if (oldIdNumber !== "") seenOld.add(oldIdNumber);
    const house = 1 + Math.floor(rand() * 300);
    out.push({
      idNumber,
      oldIdNumber,
      fullName: randomVietnameseName(rand, sex).normalize("NFC").toUpperCase(),
      dateOfBirth: `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
      sex,
      address: `${house} ${pick(rand, STREETS)}, ${province.name}`.normalize("NFC"),
    });
  }
  return out;
}
