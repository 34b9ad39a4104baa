/** Escapes text for HTML and SVG content and attribute values alike. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type AttributeValue = string | number | boolean | undefined | null;

/** ` name="value"` pairs, escaped; undefined, null and false leave the attribute out. */
export function attributes(values: Record<string, AttributeValue>): string {
  let text = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === false) continue;
    text += ` ${name}="${escapeXml(value === true ? name : typeof value === 'number' ? coordinate(value) : value)}"`;
  }
  return text;
}

/** An element with escaped attributes; `inner` is markup the caller built (escape text with escapeXml). */
export function element(tag: string, values: Record<string, AttributeValue>, inner?: string): string {
  return inner === undefined ? `<${tag}${attributes(values)}/>` : `<${tag}${attributes(values)}>${inner}</${tag}>`;
}

/** Coordinates with at most one decimal keep the SVG small and its bytes the same on every machine. */
export function coordinate(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A table as data, so the Markdown and the HTML report show the same numbers. */
export interface Table {
  title: string;
  /** One sentence under the title, saying what the numbers mean. */
  caption?: string;
  headers: string[];
  rows: string[][];
}

/** Milliseconds for a table cell: whole numbers as they are, fractions to three decimals. */
export function msText(ms: number): string {
  return Number.isInteger(ms) ? `${ms}` : ms.toFixed(3).replace(/0+$/, '');
}
