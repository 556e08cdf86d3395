/** ICAO 9303 check digit: weights 7-3-1, digits as values, A–Z as 10–35, `<` as 0. */
export function mrzCheckDigit(field: string): number {
  let sum = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : 0;
    sum += v * ([7, 3, 1][i % 3] as number);
  }
  return sum % 10;
}

export const isCheckDigitValid = (field: string, digit: string): boolean => /^[0-9<]$/.test(digit) && mrzCheckDigit(field) === (digit === "<" ? 0 : Number(digit));
