/**
 * Length units as microscopes, ImageJ, OME and users write them, in millimetres: the unit ITK gives
 * TIFF resolutions in, so that a size read from one file and a size typed for another agree.
 */

/** Millimetres per unit, by the unit's canonical name. */
const MM_PER_UNIT = { pm: 1e-9, 'Å': 1e-7, nm: 1e-6, 'µm': 1e-3, mm: 1, cm: 10, m: 1e3, in: 25.4 } as const;

export type LengthUnit = keyof typeof MM_PER_UNIT;

/** Spellings of each unit (lower case), beyond its canonical name. */
const SPELLINGS: Record<string, LengthUnit> = {
  picometer: 'pm', picometre: 'pm',
  a: 'Å', 'å': 'Å', angstrom: 'Å', 'ångström': 'Å',
  nanometer: 'nm', nanometre: 'nm',
  // The micro sign and the Greek mu look alike and are both used; ImageJ writes "micron" or
  // escapes the sign as the six characters \u00B5; UTF-8 read byte by byte gives "Âµ".
  um: 'µm', 'μm': 'µm', micron: 'µm', microns: 'µm', micrometer: 'µm', micrometre: 'µm', '\\u00b5m': 'µm', 'âµm': 'µm',
  millimeter: 'mm', millimetre: 'mm',
  centimeter: 'cm', centimetre: 'cm',
  meter: 'm', metre: 'm',
  inch: 'in', inches: 'in',
};

/** The unit a name means (any spelling above, any case, plurals with "s"), or null. */
export function lengthUnit(name: string): LengthUnit | null {
  // Own keys only: "constructor" is no unit.
  const known = (table: object, k: string) => Object.hasOwn(table, k);
  const key = name.trim().toLowerCase();
  if (known(MM_PER_UNIT, key)) return key as LengthUnit;
  if (known(MM_PER_UNIT, name.trim())) return name.trim() as LengthUnit;
  for (const k of [key, key.replace(/s$/, '')]) if (known(SPELLINGS, k)) return SPELLINGS[k];
  return null;
}

/** Millimetres in one `name` (lengthUnit's spellings), or null for a name that is no length unit. */
export function mmPerUnit(name: string): number | null {
  const unit = lengthUnit(name);
  return unit ? MM_PER_UNIT[unit] : null;
}

/**
 * A length as text: a positive number, optionally followed by a unit ("20 nm", "0.5um", "1e-4").
 * `value` is in millimetres when a unit was given (`unit`); without one it is the number as written.
 * Null when the text is no such length.
 */
export function parseLength(text: string): { value: number; unit?: LengthUnit } | null {
  const m = /^\s*([+]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(\S.*?)?\s*$/i.exec(text);
  if (!m) return null;
  const number = Number(m[1]);
  if (!Number.isFinite(number) || number <= 0) return null;
  if (m[2] === undefined) return { value: number };
  const unit = lengthUnit(m[2]);
  // To 15 digits: 20 × 1e-6 is 1.9999999999999998e-5 in binary.
  return unit ? { value: Number((number * MM_PER_UNIT[unit]).toPrecision(15)), unit } : null;
}

/** A length in mm written in the unit among nm, µm and mm that gives it 1–999 (below 1 nm: nm), to `digits` significant digits. */
export function formatLengthMm(mm: number, digits = 4): string {
  const [value, unit] = mm >= 1 ? [mm, 'mm'] : mm >= 1e-3 ? [mm * 1e3, 'µm'] : [mm * 1e6, 'nm'];
  return `${Number(value.toPrecision(digits))} ${unit}`;
}

/**
 * A signed length (a shift) for people: with its unit where it is in mm (-1.6076 µm), else the
 * number to `digits` significant digits (pixels, or a unit the files do not say).
 */
export function formatShift(value: number, inMm: boolean, digits = 5): string {
  if (!Number.isFinite(value)) return '—';
  // An ASCII minus, as in the number without a unit: copied text should parse.
  return inMm ? `${value < 0 ? '-' : ''}${formatLengthMm(Math.abs(value), digits)}` : String(Number(value.toPrecision(digits)));
}

/** The unit (mm per unit) two axes share, or null where either has none or they differ: a size is not guessed from one axis. */
export function sameUnit(x: number | null, y: number | null): number | null {
  return x !== null && x === y ? x : null;
}
