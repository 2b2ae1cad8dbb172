/**
 * Colormaps of the viewer, as control points (position 0–1 → RGB 0–1). The same tables drive
 * vtk.js colour transfer functions and the CPU blend modes, so a layer looks the same in both.
 */
export const COLORMAPS = {
  gray: [
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ],
  magenta: [
    [0, 0, 0, 0],
    [1, 1, 0, 1],
  ],
  green: [
    [0, 0, 0, 0],
    [1, 0, 1, 0],
  ],
  cyan: [
    [0, 0, 0, 0],
    [1, 0, 1, 1],
  ],
  fire: [
    [0, 0, 0, 0],
    [0.33, 0.8, 0, 0],
    [0.66, 1, 0.6, 0],
    [1, 1, 1, 1],
  ],
  // Matplotlib's viridis, sampled at nine points.
  viridis: [
    [0, 0.267, 0.005, 0.329],
    [0.125, 0.283, 0.141, 0.458],
    [0.25, 0.254, 0.265, 0.53],
    [0.375, 0.207, 0.372, 0.553],
    [0.5, 0.164, 0.471, 0.558],
    [0.625, 0.128, 0.567, 0.551],
    [0.75, 0.135, 0.659, 0.518],
    [0.875, 0.478, 0.821, 0.318],
    [1, 0.993, 0.906, 0.144],
  ],
} as const satisfies Record<string, readonly (readonly [number, number, number, number])[]>;

export type ColormapName = keyof typeof COLORMAPS;

export const COLORMAP_NAMES = Object.keys(COLORMAPS) as ColormapName[];

/** RGB (0–1) of a colormap at t ∈ [0, 1], linear between control points. */
export function colormapAt(name: ColormapName, t: number): [number, number, number] {
  const points = COLORMAPS[name];
  const x = t <= 0 ? 0 : t >= 1 ? 1 : t;
  for (let i = 1; i < points.length; i++) {
    if (x <= points[i][0]) {
      const [p0, r0, g0, b0] = points[i - 1];
      const [p1, r1, g1, b1] = points[i];
      const f = (x - p0) / (p1 - p0 || 1);
      return [r0 + (r1 - r0) * f, g0 + (g1 - g0) * f, b0 + (b1 - b0) * f];
    }
  }
  const last = points[points.length - 1];
  return [last[1], last[2], last[3]];
}

/** A 256-entry RGB lookup table (bytes) for fast CPU mapping. */
export function colormapTable(name: ColormapName): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = colormapAt(name, i / 255);
    table[3 * i] = Math.round(r * 255);
    table[3 * i + 1] = Math.round(g * 255);
    table[3 * i + 2] = Math.round(b * 255);
  }
  return table;
}
