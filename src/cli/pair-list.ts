/**
 * The pair list of `xemreg batch`: CSV with a header naming the columns `fixed` and `moving`
 * (others are kept for the output: `name` names a pair's outputs, `fixed_spacing` and
 * `moving_spacing` give its pixel sizes, `fixed_slice` and `moving_slice` the slices of stacks),
 * one pair per line. Paths are relative
 * to the list's folder. Fields may be double-quoted (a quote inside doubled), for paths with
 * commas; blank lines and lines starting with # are skipped.
 */
import { isAbsolute, join } from 'node:path';

export interface PairEntry {
  /** Line of the list (1-based), for messages. */
  line: number;
  fixed: string;
  moving: string;
  /** Every column of the line by header name. */
  columns: Record<string, string>;
}

function splitCsvLine(text: string, line: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${line}: unclosed quote`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') throw new Error(`line ${line}: text after a closing quote`);
    } else {
      const end = text.indexOf(',', i);
      field = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** Pairs of a list's text; `baseDir` resolves relative paths. Throws Error naming the line. */
export function parsePairList(text: string, baseDir: string): PairEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | null = null;
  const pairs: PairEntry[] = [];
  for (const [k, raw] of lines.entries()) {
    const line = k + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(raw, line);
    if (!header) {
      header = fields.map((f) => f.toLowerCase());
      for (const need of ['fixed', 'moving']) if (!header.includes(need)) throw new Error(`line ${line}: the header needs a "${need}" column (got ${fields.join(', ')})`);
      continue;
    }
    if (fields.length !== header.length) throw new Error(`line ${line}: ${fields.length} fields, the header has ${header.length}`);
    const columns = Object.fromEntries(header.map((h, i) => [h, fields[i]]));
    for (const need of ['fixed', 'moving']) if (!columns[need]) throw new Error(`line ${line}: empty "${need}"`);
    const resolve = (p: string) => (isAbsolute(p) ? p : join(baseDir, p));
    pairs.push({ line, fixed: resolve(columns.fixed), moving: resolve(columns.moving), columns });
  }
  if (!header) throw new Error('is empty: expected a header line "fixed,moving" and one pair per line');
  if (pairs.length === 0) throw new Error('lists no pairs under its header');
  return pairs;
}
