/**
 * JSON for a terminal or a pipe. JSON.stringify escapes C0 controls but leaves DEL, the C1
 * controls (U+0080-U+009F: 0x9B is an 8-bit CSI), the line/paragraph separators and the
 * bidi overrides raw; they can only occur inside strings, where a \u escape is the same
 * JSON value.
 */
const RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `JSON.stringify(value, null, indent)` with nothing left that drives a terminal. */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(RAW, escape);
}

/** A string quoted for a one-line message: `found "a\u001bb"`. */
export function quoted(s: string): string {
  return jsonText(s);
}
