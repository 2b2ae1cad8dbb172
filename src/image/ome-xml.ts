/**
 * The few things read from an OME-TIFF's OME-XML (its ImageDescription): the first image's
 * `Pixels` element — its attributes (sizes, order, physical pixel size) and the `Channel` and
 * `TiffData` elements inside it. Regular expressions, not an XML parser: attributes are
 * double-quoted in OME-XML, and a namespace prefix (`ome:Pixels`) is allowed.
 */

/** Whether a text is OME-XML. */
export const isOmeXml = (text: string) => /<(\w+:)?OME\b/.test(text);

/** An attribute of an element's start tag, character references decoded ("&#181;m" is µm); undefined where absent. */
export function xmlAttribute(tag: string, name: string): string | undefined {
  const v = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`).exec(tag)?.[1];
  return v?.replace(/&#(x[0-9a-f]+|\d+);/gi, (_, code: string) => String.fromCodePoint(code[0] === 'x' || code[0] === 'X' ? parseInt(code.slice(1), 16) : Number(code)));
}

/**
 * The first `Pixels` element: its start tag, and the element with what is inside it up to its end
 * tag (the start tag alone where it is self-closed, or its end is missing). Null without one.
 */
export function omePixels(xml: string): { start: string; element: string } | null {
  const start = /<(?:\w+:)?Pixels\b[^>]*>/.exec(xml);
  if (!start) return null;
  const element = start[0].endsWith('/>') ? start[0] : (/^[\s\S]*?<\/(?:\w+:)?Pixels>/.exec(xml.slice(start.index))?.[0] ?? start[0]);
  return { start: start[0], element };
}

/** The start tags of the elements `name` (Channel, TiffData) inside a Pixels element. */
export function omeElements(pixels: string, name: string): string[] {
  return [...pixels.matchAll(new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>`, 'g'))].map((m) => m[0]);
}
