/** Small dependency-free SVG charts for reports: truth-vs-prediction scatter plots and line charts. */

export interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis range; default from the data. */
  range?: [number, number];
  width?: number;
  height?: number;
  /** Draw the y = x line. */
  identity?: boolean;
  /** Separate y range (line charts). */
  yRange?: [number, number];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

export function scatterPlot(series: Series[], options: PlotOptions): string {
  const w = options.width ?? 360;
  const h = options.height ?? 360;
  const m = { left: 52, right: 12, top: 28, bottom: 44 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const [x0, x1] = options.range ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [y0, y1] = options.yRange ?? options.range ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (w - m.left - m.right);
  const sy = (y: number) => h - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (h - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="16" text-anchor="middle" font-size="13">${esc(options.title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${w - m.left - m.right}" height="${h - m.top - m.bottom}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<text x="${sx(xv)}" y="${h - m.bottom + 14}" text-anchor="middle">${fmt(xv)}</text>`);
    parts.push(`<text x="${m.left - 4}" y="${sy(yv) + 4}" text-anchor="end">${fmt(yv)}</text>`);
  }
  parts.push(`<text x="${w / 2}" y="${h - 8}" text-anchor="middle">${esc(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(12 ${h / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`);
  if (options.identity) parts.push(`<line x1="${sx(x0)}" y1="${sy(x0)}" x2="${sx(x1)}" y2="${sy(x1)}" stroke="#333" stroke-dasharray="4 3"/>`);
  series.forEach((s, k) => {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const cy = Math.min(Math.max(sy(y), m.top), h - m.bottom);
      parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${cy.toFixed(1)}" r="1.6" fill="${s.color}" fill-opacity="0.55"/>`);
    }
    parts.push(`<circle cx="${m.left + 10}" cy="${m.top + 12 + 14 * k}" r="4" fill="${s.color}"/><text x="${m.left + 18}" y="${m.top + 16 + 14 * k}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function linePlot(series: Series[], options: PlotOptions): string {
  const svg = scatterPlot(series, options);
  const w = options.width ?? 360;
  const h = options.height ?? 360;
  const m = { left: 52, right: 12, top: 28, bottom: 44 };
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = options.range ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [y0, y1] = options.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (w - m.left - m.right);
  const sy = (y: number) => h - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (h - m.top - m.bottom);
  const lines = series.map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
  return svg.replace('</svg>', `${lines.join('\n')}\n</svg>`);
}
