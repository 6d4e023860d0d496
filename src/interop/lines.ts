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
const STAMP = /^\[ *\d+\.\d+\](?:\[ *[TC]\d+\])? ?/;
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
  return s.replace(/\s+$/, '');
}

/** Split text into cleaned lines, keeping 1-based source line numbers. */
export function cleanLines(text: string): LogLine[] {
  const raw = text.split('\n');
  return raw.map((r, i) => ({ text: cleanLine(r), line: i + 1 }));
}
