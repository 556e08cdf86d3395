/**
 * The console's static files, served from the node (no CDN: the console works offline): htmx from
 * its npm package, read once at start, and the console's own style sheet.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const HTMX_JS = readFileSync(require.resolve("htmx.org/dist/htmx.min.js"));

/** Plain CSS: system fonts, two-column evidence, visible focus for keyboard users. */
export const CONSOLE_CSS = `
:root { color-scheme: light; font-family: system-ui, sans-serif; font-size: 15px; }
body { margin: 0; color: #1b1f24; background: #f6f7f9; }
a { color: #0b5cad; }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #12324f; color: #fff; }
header a { color: #fff; }
header nav { display: flex; gap: 12px; flex: 1; }
main { padding: 12px 16px; max-width: 1200px; }
h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 16px; margin: 16px 0 6px; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border: 1px solid #d0d5dc; padding: 4px 6px; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #eef1f5; }
form.filters { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; margin-bottom: 10px; }
label { display: flex; flex-direction: column; font-size: 13px; gap: 2px; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px; }
figure { margin: 0; background: #fff; border: 1px solid #d0d5dc; padding: 6px; }
figure img { max-width: 100%; max-height: 260px; display: block; margin: auto; }
figcaption { font-size: 12px; color: #4a5562; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.disagree { background: #fff1d6; } .flag { color: #a3140e; font-weight: 600; }
.actions { display: flex; gap: 16px; flex-wrap: wrap; } .actions form { background: #fff; border: 1px solid #d0d5dc; padding: 8px; }
textarea { width: 320px; height: 60px; }
.notice { background: #e7f3ff; border: 1px solid #9cc6f0; padding: 6px 8px; margin: 8px 0; }
.error { background: #fde8e7; border: 1px solid #e89a96; padding: 6px 8px; margin: 8px 0; }
`;
