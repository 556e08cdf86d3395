/**
 * The smallest string greater than every string that starts with `prefix`, in the byte order of
 * UTF-8 (code point order), or undefined when there is none (empty prefix, or only U+10FFFF).
 * `key >= prefix AND key < upper` is then a range the primary-key index answers, unlike LIKE,
 * whose wildcards would need escaping and whose index use depends on the collation.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < 0x10ffff) {
      // The next code point; surrogates are not characters, so U+D7FF is followed by U+E000.
      codePoints.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...codePoints);
    }
  }
  return undefined;
}
