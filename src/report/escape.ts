/**
 * The one escaping function for text that came from outside (lock, class, task and site
 * names, file names, echoed input lines) on its way to a terminal. Lockdep itself prints
 * names with %s; a model that reads names from hostile files cannot, because a raw ESC
 * sequence or newline would let a name forge report lines or drive the terminal.
 *
 * Printable text passes through unchanged, so ordinary kernel names print exactly as the
 * kernel prints them. Control characters (C0, DEL, C1), the Unicode line and paragraph
 * separators and the bidirectional overrides become visible escapes; a backslash is
 * doubled so an escape can never be mistaken for input.
 */

// Matches nothing a kernel symbol contains, so the common case is one test and no copy.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\\': '\\\\',
};

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/** `s` as it may be written to a terminal: one line, no control sequences. */
export function escapeText(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeChar) : s;
}

/**
 * `s` escaped and cut to at most `max` characters (a marker says how long it was), for
 * table cells and echoed lines where a 10 MB name must not become a 10 MB line.
 */
export function escapeTextCapped(s: string, max: number): string {
  const e = escapeText(s.length > max * 4 ? s.slice(0, max * 4) : s);
  return e.length > max ? `${e.slice(0, Math.max(1, max - 1))}…` : e;
}
