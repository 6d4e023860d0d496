/**
 * Cleaning kernel log text into the lines printk wrote: dmesg timestamps, printk caller
 * ids, syslog/journal prefixes, log-level markers and mail quote markers are removed;
 * the original line number is kept so errors can point into the user's file.
 *
 * Wrapped lines are not re-joined here: whether a line continues the previous one
 * depends on what the parser expected, so the report parsers join on demand
 * (see joinUntil in splatParser.ts).
 */

/** One cleaned line and where it came from (1-based). */
export interface LogLine {
  readonly text: string;
  readonly line: number;
}

// `> `, `>> `, `> > ` as mail clients quote; also `| ` used by some archives.
const QUOTE = /^(?:[ \t]*>)+[ \t]?/;
// journalctl / syslog: `Nov 21 12:00:01 host kernel: `
const SYSLOG = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+ kernel: ?/;
// ISO journal timestamps: `2024-01-02T03:04:05.678901+00:00 host kernel: `
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)? \S+ kernel: ?/;
// `<4>` printk level as read from /dev/kmsg or a serial console; `<4>[` too
const LEVEL = /^<[0-7]>/;
// `dmesg -x`: `kern  :warn  : `
const FACILITY = /^[a-z]+ *:[a-z]+ *: /;
// `[  123.456789]`, optionally followed by a caller id `[  T123]` / `[    C1]`
// (leading blanks allowed: commit messages and mail indent quoted logs)
const STAMP = /^[ \t]*\[ *\d+\.\d+\](?:\[ *[TC]\d+\])? ?/;
// a caller id without a timestamp (printk.time=0 with CONFIG_PRINTK_CALLER)
const CALLER = /^\[ *[TC]\d+\] ?/;

/** Remove every prefix a log line can carry before the printk text itself. */
export function cleanLine(raw: string): string {
  let s = raw.replace(/\r$/, '');
  // Quote markers may wrap an already prefixed line, and prefixes may repeat in
  // forwarded mail; strip until nothing changes.
  for (let i = 0; i < 6; i++) {
    const before = s;
    s = s.replace(QUOTE, '');
    s = s.replace(SYSLOG, '').replace(ISO, '');
    s = s.replace(LEVEL, '').replace(FACILITY, '');
    s = s.replace(STAMP, '').replace(CALLER, '');
    if (s === before) break;
  }
  // trimEnd, not /\s+$/: the regex retries every blank of a long run (quadratic)
  return s.trimEnd();
}

/**
 * Whether the text is a quoted-printable mail body (RFC 2045) as mail archives store
 * raw messages: `=3D` for `=` and soft line breaks (`=` at the end of a line) that cut
 * lock lines anywhere, even inside `{4:4}`.
 */
function isQuotedPrintable(raw: readonly string[]): boolean {
  let soft = 0;
  let escapes = 0;
  for (const r of raw) {
    const l = r.replace(/\r$/, '');
    if (/=$/.test(l) && !/==$/.test(l)) soft++;
    if (/=(?:3D|20|09)/.test(l)) escapes++;
  }
  return soft > 0 && escapes > 0;
}

function decodeQp(s: string): string {
  return s.replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Split text into cleaned lines, keeping 1-based source line numbers. Quoted-printable
 * bodies are decoded first; a line joined from soft breaks keeps the number of its
 * first physical line.
 */
export function cleanLines(text: string): LogLine[] {
  const raw = text.split('\n');
  if (!isQuotedPrintable(raw)) return raw.map((r, i) => ({ text: cleanLine(r), line: i + 1 }));
  const out: LogLine[] = [];
  let acc = '';
  let first = -1;
  raw.forEach((r, i) => {
    let l = r.replace(/\r$/, '');
    // A soft break inside a quoted block: the continuation carries the quote marker again.
    if (first >= 0) l = l.replace(QUOTE, '');
    if (first < 0) first = i;
    if (/=$/.test(l)) {
      acc += l.slice(0, -1);
      return;
    }
    acc += l;
    out.push({ text: cleanLine(decodeQp(acc)), line: first + 1 });
    acc = '';
    first = -1;
  });
  if (first >= 0) out.push({ text: cleanLine(decodeQp(acc)), line: first + 1 });
  return out;
}
