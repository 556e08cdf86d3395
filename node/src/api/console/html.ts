/**
 * HTML templates as tagged template literals: every interpolated value is escaped (escape-html)
 * unless it is itself the output of `html` (a `SafeHtml`). There is no way to mark a plain string as
 * safe, so names read from a card, reviewers' comments and list entries always reach the page as
 * text. Arrays of `SafeHtml` are joined; `null`, `undefined` and `false` render nothing.
 */
import escapeHtml from "escape-html";

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}
