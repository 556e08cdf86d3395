/**
 * Verifies a LevelDB table file (`.ldb`/`.sst`) against its own block checksums, without LevelDB.
 *
 * Why here and not in LevelDB: classic-level opens databases without `paranoid_checks` and reads
 * without `verify_checksums`, and exposes neither, so a flipped byte in a table block is served as
 * data (a changed literal in a snappy block decompresses fine). Each block carries a masked CRC32C
 * of its bytes and compression type; this walks the footer, the index block and every block the
 * index and the metaindex name, and reports the first one whose checksum fails. Table files are immutable once
 * written, so a file verified once need not be read again (the vault check keeps their names).
 *
 * Format (LevelDB's doc/table_format.md): a 48-byte footer (metaindex and index block handles as
 * varints, padding, an 8-byte magic); each block is followed by a 1-byte type (0 raw, 1 snappy) and
 * a 4-byte masked CRC32C; the index block's entries map keys to the handles of the data blocks.
 */
import { readFile } from "node:fs/promises";

const FOOTER_LENGTH = 48;
const MAGIC_LOW = 0x8b80fb57;
const MAGIC_HIGH = 0xdb477524;
const TRAILER_LENGTH = 5;
const MASK_DELTA = 0xa282ead8;

/**
 * CRC-32C (Castagnoli): LevelDB's block checksum (Node's zlib only has CRC-32). Slicing-by-8: eight
 * 256-entry tables let the loop take 8 bytes a step, several times faster than byte at a time,
 * which matters because a first check reads every table file of the vault.
 */
const CRC32C_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let t = 1; t < 8; t++) tables[t]![n] = (tables[t - 1]![n]! >>> 8) ^ tables[0]![tables[t - 1]![n]! & 0xff]!;
  return tables;
})();

export function crc32c(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C_TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const lo = (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function unmask(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

class TableDamage extends Error {}

interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
}

function varint(cursor: Cursor): number {
  let result = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor.pos >= cursor.bytes.length) throw new TableDamage("varint runs past its block");
    const byte = cursor.bytes[cursor.pos++]!;
    result += (byte & 0x7f) * factor;
    if ((byte & 0x80) === 0) return result;
    factor *= 128;
  }
  throw new TableDamage("varint longer than 10 bytes");
}

interface BlockHandle {
  readonly offset: number;
  readonly size: number;
}

const handleAt = (cursor: Cursor): BlockHandle => ({ offset: varint(cursor), size: varint(cursor) });

/** The block's contents after its checksum was verified (decompressed when it was snappy-compressed). */
function readBlock(file: Uint8Array, handle: BlockHandle, what: string): Uint8Array {
  const end = handle.offset + handle.size;
  if (end + TRAILER_LENGTH > file.length) throw new TableDamage(`${what} block at ${handle.offset} runs past the file`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const expected = unmask(view.getUint32(end + 1, true));
  if (crc32c(file.subarray(handle.offset, end + 1)) !== expected)
    throw new TableDamage(`${what} block at ${handle.offset} fails its checksum`);
  const type = file[end]!;
  const contents = file.subarray(handle.offset, end);
  if (type === 0) return contents;
  if (type === 1) return snappyDecompress(contents);
  throw new TableDamage(`${what} block at ${handle.offset} has unknown compression ${type}`);
}

/** Snappy's raw format (format_description.txt): a varint length, then literal and copy elements. */
function snappyDecompress(input: Uint8Array): Uint8Array {
  const cursor: Cursor = { bytes: input, pos: 0 };
  const out = new Uint8Array(varint(cursor));
  let at = 0;
  const need = (n: number) => {
    if (cursor.pos + n > input.length) throw new TableDamage("snappy element runs past its block");
  };
  while (cursor.pos < input.length) {
    const tag = input[cursor.pos++]!;
    if ((tag & 3) === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const extra = length - 60;
        need(extra);
        length = 0;
        for (let i = 0; i < extra; i++) length += input[cursor.pos + i]! * 2 ** (8 * i);
        length += 1;
        cursor.pos += extra;
      }
      need(length);
      if (at + length > out.length) throw new TableDamage("snappy literal overflows the stated length");
      out.set(input.subarray(cursor.pos, cursor.pos + length), at);
      cursor.pos += length;
      at += length;
      continue;
    }
    let length: number;
    let offset: number;
    if ((tag & 3) === 1) {
      need(1);
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[cursor.pos++]!;
    } else {
      const width = (tag & 3) === 2 ? 2 : 4;
      need(width);
      length = (tag >>> 2) + 1;
      offset = 0;
      for (let i = 0; i < width; i++) offset += input[cursor.pos + i]! * 2 ** (8 * i);
      cursor.pos += width;
    }
    if (offset === 0 || offset > at || at + length > out.length) throw new TableDamage("snappy copy out of range");
    for (let i = 0; i < length; i++, at++) out[at] = out[at - offset]!;
  }
  if (at !== out.length) throw new TableDamage("snappy block shorter than its stated length");
  return out;
}

/** The values of a block's entries (keys are prefix-compressed; only the values are needed here). */
function blockValues(block: Uint8Array): Uint8Array[] {
  if (block.length < 4) throw new TableDamage("block shorter than its restart count");
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  const entriesEnd = block.length - 4 * (restarts + 1);
  if (restarts === 0 || entriesEnd < 0) throw new TableDamage("block restart array out of range");
  const cursor: Cursor = { bytes: block.subarray(0, entriesEnd), pos: 0 };
  const values: Uint8Array[] = [];
  while (cursor.pos < entriesEnd) {
    varint(cursor); // bytes shared with the previous key
    const unshared = varint(cursor);
    const valueLength = varint(cursor);
    const valueStart = cursor.pos + unshared;
    if (valueStart + valueLength > entriesEnd) throw new TableDamage("block entry runs past its block");
    values.push(block.subarray(valueStart, valueStart + valueLength));
    cursor.pos = valueStart + valueLength;
  }
  return values;
}

/** Null when every block of the file verifies; otherwise what is wrong, first failure only. */
export async function verifyTableFile(path: string): Promise<string | null> {
  const file = new Uint8Array(await readFile(path));
  try {
    if (file.length < FOOTER_LENGTH) throw new TableDamage("shorter than a footer");
    const footerAt = file.length - FOOTER_LENGTH;
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    if (view.getUint32(file.length - 8, true) !== MAGIC_LOW || view.getUint32(file.length - 4, true) !== MAGIC_HIGH)
      throw new TableDamage("footer magic number is wrong");
    const footer: Cursor = { bytes: file.subarray(footerAt), pos: 0 };
    const metaindex = handleAt(footer);
    const index = handleAt(footer);
    // The metaindex names the meta blocks (the bloom filter block classic-level writes).
    for (const value of blockValues(readBlock(file, metaindex, "metaindex")))
      readBlock(file, handleAt({ bytes: value, pos: 0 }), "meta");
    const indexBlock = readBlock(file, index, "index");
    for (const value of blockValues(indexBlock)) readBlock(file, handleAt({ bytes: value, pos: 0 }), "data");
    return null;
  } catch (error) {
    if (error instanceof TableDamage) return error.message;
    throw error;
  }
}
