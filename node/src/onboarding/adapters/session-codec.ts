/**
 * A session as bytes and back: JSON, with the values JSON lacks tagged so they come back as they
 * were: bytes (`{"$bytes": base64}`), bigints (`{"$bigint": decimal}`) and dates (`{"$date": ISO}`).
 * Generic on purpose: whatever plain data a session gains (another feature's fields) round-trips
 * without this file knowing it. Only ever decodes what the node sealed itself (the seal authenticates it).
 */
const BYTES = "$bytes";
const BIGINT = "$bigint";
const DATE = "$date";

function tag(this: unknown, key: string, value: unknown): unknown {
  // `this[key]` is the value before its own toJSON ran (a Buffer or a Date would already be converted).
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array)
    return { [BYTES]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") };
  if (raw instanceof Date) return { [DATE]: raw.toISOString() };
  if (typeof value === "bigint") return { [BIGINT]: value.toString() };
  return value;
}

function untag(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const entries = Object.keys(value);
  if (entries.length !== 1) return value;
  const inner = (value as Record<string, unknown>)[entries[0]!];
  if (typeof inner !== "string") return value;
  const name = entries[0];
  if (name === BYTES) return new Uint8Array(Buffer.from(inner, "base64"));
  if (name === BIGINT) return BigInt(inner);
  if (name === DATE) return new Date(inner);
  return value;
}

export const encodeSession = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value, tag));

export const decodeSession = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes), untag) as T;
