/**
 * Terminal output shared by the CLI and the demo: readable tables (cli-table3), step progress
 * with timings, the one `--json` format, and colour only when stdout is a terminal and `NO_COLOR`
 * is unset (https://no-color.org).
 */
import Table from "cli-table3";

const tty = process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "";
// Tables without separators between rows: easier to scan, half the height.
const compact = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
const paint = (code: number) => (s: string) => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);
export const colour = {
  bold: paint(1),
  dim: paint(2),
  red: paint(31),
  green: paint(32),
  yellow: paint(33),
  cyan: paint(36),
};

export type Cell = string | number | bigint | boolean | null | undefined;

/** Renders rows (objects with the same keys) as a table string. */
export function renderTable(rows: ReadonlyArray<Readonly<Record<string, Cell>>>, columns?: readonly string[]): string {
  const head = columns ?? (rows[0] === undefined ? [] : Object.keys(rows[0]));
  const table = new Table({ head: head.map((h) => colour.bold(h)), chars: compact, style: { head: [], border: [] } });
  for (const row of rows) table.push(head.map((h) => formatCell(row[h])));
  return table.toString();
}

/** A two-column key/value table. */
export function renderFacts(facts: Readonly<Record<string, Cell>>): string {
  const table = new Table({ chars: compact, style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(facts)) table.push({ [colour.bold(k)]: formatCell(v) });
  return table.toString();
}

function formatCell(v: Cell): string {
  if (v === null || v === undefined) return colour.dim("-");
  if (typeof v === "boolean") return v ? colour.green("yes") : colour.red("no");
  return String(v);
}

/** Prints "[n/total] title … ok (123 ms)" around an async step and returns its result. */
export function stepper(total: number, write: (s: string) => void = (s) => process.stdout.write(s)) {
  let n = 0;
  return async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
    n += 1;
    write(`${colour.cyan(`[${n}/${total}]`)} ${title} … `);
    const started = performance.now();
    try {
      const result = await run();
      write(`${colour.green("ok")} ${colour.dim(`(${Math.round(performance.now() - started)} ms)`)}\n`);
      return result;
    } catch (error) {
      write(`${colour.red("failed")}\n`);
      throw error;
    }
  };
}

/**
 * The one `--json` format of every command: a single JSON document on stdout, pretty-printed with
 * two spaces and ending with a newline (`jq` and `JSON.parse` read it whole; people can read it too).
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Progress of long work ("12/40 images"), on stderr and only when stderr is a terminal, so that
 * pipes, files and `--json` consumers never see it. Each call overwrites the previous line.
 */
export function progress(message: string): void {
  if (process.stderr.isTTY !== true) return;
  process.stderr.write(`\r\u001b[2K${message}`);
}

/** Ends a progress line (no-op when nothing was shown). */
export function progressDone(): void {
  if (process.stderr.isTTY === true) process.stderr.write("\r\u001b[2K");
}
