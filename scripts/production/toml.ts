/**
 * Just enough TOML for Besu's flat key=value configuration files: strings, integers, booleans and
 * arrays of strings. Strings are written as JSON strings, which are valid TOML basic strings
 * (same quote and escape rules), so no value can break out of its line.
 */
export type TomlValue = string | number | boolean | readonly string[];

function value(v: TomlValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new RangeError(`TOML integer expected, got ${v}`);
    return String(v);
  }
  return `[${v.map((s) => JSON.stringify(s)).join(", ")}]`;
}

export function renderToml(comment: string, entries: ReadonlyArray<readonly [string, TomlValue]>): string {
  const lines = [`# ${comment.replace(/[\r\n]+/g, " ")}`];
  for (const [key, v] of entries) {
    if (!/^[a-z0-9-]+$/.test(key)) throw new RangeError(`bad TOML key ${key}`);
    lines.push(`${key}=${value(v)}`);
  }
  return `${lines.join("\n")}\n`;
}
