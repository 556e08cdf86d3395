/**
 * Phone-capture effects for generated card photos (issue 17): what a customer's phone does to a
 * card that the clean generator does not. Each works on the raw RGB photo (3 bytes a pixel) or
 * yields the kernel or overlay that capture.ts applies, and takes every random choice from the
 * caller's seeded rng, so a set is the same for the same seed.
 *
 * - tilt: the card turned in depth about its horizontal or vertical axis (up to 30°) and seen by a
 *   pinhole camera, so the near side is larger: real perspective, not corner jitter;
 * - motion blur (a line kernel) and defocus blur (a disc kernel);
 * - glare spots: small specular highlights of a lamp on the laminate;
 * - low light: an underexposed photo brightened by the phone, so its sensor noise is amplified;
 * - moiré: two fine gratings at nearly the same angle beat into coarse bands (a card shown on a
 *   screen, or the sensor's grid against the card's guilloche);
 * - a finger over one of the card's edges.
 */
import type { Rng } from "./random.ts";

export type Point = [number, number];

/**
 * The card's four corners (top-left, top-right, bottom-right, bottom-left, centred on the origin,
 * in pixels) turned by `degrees` about its horizontal ("x") or vertical ("y") axis, seen from
 * `distance` pixels by a camera whose focal length is that distance (so the card's centre keeps
 * its size).
 */
export function tiltedCorners(
  width: number,
  height: number,
  degrees: number,
  axis: "x" | "y",
  distance: number,
): Point[] {
  const t = (degrees * Math.PI) / 180;
  const flat: Point[] = [
    [-width / 2, -height / 2],
    [width / 2, -height / 2],
    [width / 2, height / 2],
    [-width / 2, height / 2],
  ];
  return flat.map(([x, y]): Point => {
    // Turned about the y axis, x shrinks by cos t and the point moves in depth by x sin t.
    const [px, py, z] = axis === "y" ? [x * Math.cos(t), y, x * Math.sin(t)] : [x, y * Math.cos(t), y * Math.sin(t)];
    const scale = distance / (distance + z);
    return [px * scale, py * scale];
  });
}

/** A square convolution kernel (odd side) and its normalising scale, as sharp's `convolve` takes it. */
export interface Kernel {
  width: number;
  height: number;
  kernel: number[];
  scale: number;
}

/** Motion blur: a line `length` px long at `degrees`, antialiased by distance to the line. */
export function motionKernel(length: number, degrees: number): Kernel {
  const side = Math.max(3, 2 * Math.ceil(length / 2) + 1),
    c = (side - 1) / 2;
  const ux = Math.cos((degrees * Math.PI) / 180),
    uy = Math.sin((degrees * Math.PI) / 180);
  const kernel: number[] = [];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const dx = x - c,
        dy = y - c;
      const along = Math.abs(dx * ux + dy * uy),
        across = Math.abs(-dx * uy + dy * ux);
      kernel.push(along <= length / 2 ? Math.max(0, 1 - across) : 0);
    }
  return { width: side, height: side, kernel, scale: kernel.reduce((a, b) => a + b, 0) };
}

/** Defocus blur: a disc of `radius` px, antialiased at its rim. */
export function defocusKernel(radius: number): Kernel {
  const side = 2 * Math.ceil(radius) + 1,
    c = (side - 1) / 2;
  const kernel: number[] = [];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) kernel.push(Math.max(0, Math.min(1, radius + 0.5 - Math.hypot(x - c, y - c))));
  return { width: side, height: side, kernel, scale: kernel.reduce((a, b) => a + b, 0) };
}

/** An SVG overlay of `count` small specular highlights inside `area` (x, y, width, height). */
export function glareSpotsSvg(
  rng: Rng,
  canvas: { width: number; height: number },
  area: [number, number, number, number],
  count: number,
): string {
  const [ax, ay, aw, ah] = area;
  const spots = Array.from({ length: count }, (_, i) => {
    const cx = Math.round(ax + rng.next() * aw),
      cy = Math.round(ay + rng.next() * ah);
    const rx = rng.int(14, 55),
      ry = Math.round(rx * (0.4 + rng.next() * 0.6));
    return `<ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" fill="url(#s${i % 2})"/>`;
  });
  const stop = (opacity: number) =>
    `<stop offset="0" stop-color="#fff" stop-opacity="${opacity}"/><stop offset="0.35" stop-color="#fff" stop-opacity="${opacity * 0.8}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${canvas.height}"><defs>` +
    `<radialGradient id="s0">${stop(0.95)}</radialGradient><radialGradient id="s1">${stop(0.8)}</radialGradient>` +
    `</defs>${spots.join("")}</svg>`
  );
}

/** An SVG overlay of a fingertip over the middle part of the card edge from `a` to `b`, coming from outside. */
export function fingerSvg(
  rng: Rng,
  canvas: { width: number; height: number },
  a: Point,
  b: Point,
  inward: Point,
): string {
  const along = 0.2 + rng.next() * 0.6;
  const ex = a[0] + (b[0] - a[0]) * along,
    ey = a[1] + (b[1] - a[1]) * along;
  const rx = rng.int(40, 60),
    ry = rng.int(85, 120);
  // The fingertip reaches 40–90 px over the edge (of a card ≈ 1,000 px wide); its long axis points into the card.
  const reach = rng.int(40, 90);
  const cx = ex + inward[0] * (reach - ry),
    cy = ey + inward[1] * (reach - ry);
  const angle = (Math.atan2(inward[1], inward[0]) * 180) / Math.PI - 90;
  const skin = rng.pick(["#e0ac8c", "#c68863", "#8d5524", "#f1c7a5"]);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${canvas.height}">` +
    `<defs><radialGradient id="f" cx="0.45" cy="0.6" r="0.6"><stop offset="0" stop-color="${skin}"/>` +
    `<stop offset="0.85" stop-color="${skin}"/><stop offset="1" stop-color="#000" stop-opacity="0.55"/></radialGradient></defs>` +
    `<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx}" ry="${ry}" fill="url(#f)" ` +
    `transform="rotate(${angle.toFixed(1)} ${cx.toFixed(1)} ${cy.toFixed(1)})"/></svg>`
  );
}

/**
 * Moiré in place: the photo multiplied by two fine gratings (`period` px, angles `degrees` and
 * `degrees` + 3°) whose beat makes coarse bands; `strength` is the darkest dip (0–1).
 */
export function applyMoire(
  rgb: Buffer,
  width: number,
  height: number,
  period: number,
  degrees: number,
  strength: number,
): void {
  const a = (degrees * Math.PI) / 180,
    b = ((degrees + 3) * Math.PI) / 180;
  const k = (2 * Math.PI) / period;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const g1 = 0.5 + 0.5 * Math.cos(k * (x * Math.cos(a) + y * Math.sin(a)));
      const g2 = 0.5 + 0.5 * Math.cos(k * (x * Math.cos(b) + y * Math.sin(b)));
      const factor = 1 - strength * g1 * g2;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = Math.round((rgb[o + c] as number) * factor);
    }
}

/**
 * Low light in place: the scene exposed at `exposure` (0–1) of normal, sensor noise of `noise`
 * grey levels added, then brightened back by the phone (gain 1 / exposure), noise included.
 */
export function applyLowLight(rgb: Buffer, rng: Rng, exposure: number, noise: number): void {
  const gain = 1 / exposure;
  for (let i = 0; i < rgb.length; i++) {
    const dark = (rgb[i] as number) * exposure + rng.gaussian() * noise;
    rgb[i] = Math.max(0, Math.min(255, Math.round(dark * gain)));
  }
}
