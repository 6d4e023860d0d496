/**
 * Reading the columns of one ftrace event line (`comm-pid [(tgid)] [cpu] [flags]
 * timestamp: [system:]event: fields`, kernel/trace/trace_output.c) in place, without a
 * substring per line: from text (in-memory input, and file chunks that are not ASCII) and
 * from the bytes of an ASCII file chunk (the fast path: no decoding at all). Both read the
 * same grammar into the same EventScan; a differential test keeps them equal.
 *
 * Every scan is linear in the line's length (file input is hostile).
 */
import { sameBytes } from './byteKeys';

/** The columns of one event line. */
export interface EventLine {
  comm: string;
  pid: number;
  cpu: number;
  /** latency flags (`d..1.`), or '' when the line has none (`trace-cmd report`) */
  flags: string;
  event: string;
  /** where the event's fields start */
  fields: number;
}

/**
 * The columns of one event line as offsets into the text that holds it: the converter
 * reads a line in place in the decoded chunk and makes no substring for what it knows.
 */
export interface EventScan {
  commStart: number;
  /** the `-` between comm and pid */
  dash: number;
  pid: number;
  cpu: number;
  /** offset of the latency flags, or -1 when the line has none (`trace-cmd report`) */
  flags: number;
  flagsEnd: number;
  /** index in KNOWN_EVENTS, or -1 for an event the converter does not read */
  event: number;
  evStart: number;
  evEnd: number;
  /** where the event's fields start */
  fields: number;
}

export const newScan = (): EventScan => ({
  commStart: 0,
  dash: 0,
  pid: 0,
  cpu: 0,
  flags: -1,
  flagsEnd: -1,
  event: -1,
  evStart: 0,
  evEnd: 0,
  fields: 0,
});

// Function declarations, not exported arrow constants: CommonJS output calls an exported
// constant through the exports object (`(0, exports.isWs)(c)`), a load on every byte.
export function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95;
}
/** What String.prototype.trim removes and regex `\s` matches (WhiteSpace, LineTerminator). */
const isJsSpace = (c: number): boolean =>
  c < 128
    ? isWs(c)
    : c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff;
// the latency-format flag characters: irqs-off, need-resched, hardirq/softirq, preempt depth
const FLAG_CHARS = new Uint8Array(128);
for (const ch of '.dDXNnpLbBhsHzZ0123456789abcdef') FLAG_CHARS[ch.charCodeAt(0)] = 1;

/** The character at i of a line ending at `end`, or -1 past it (the next line is not this one). */
export function at(s: string, i: number, end: number): number {
  return i < end ? s.charCodeAt(i) : -1;
}

export function skipWs(s: string, i: number, end: number): number {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * `-pid [(tgid)] [cpu]` after a comm, starting at the `-`: the offset after `]`, or -1.
 * Scans digits, blanks and the tgid only, none of which holds the next candidate `-`
 * except inside the tgid, so trying every `-` of a line stays linear.
 */
function taskColumns(s: string, dash: number, end: number, out: EventScan): number {
  let j = dash + 1;
  const pidStart = j;
  let pid = 0;
  for (let c = at(s, j, end); isDigit(c); c = at(s, ++j, end)) pid = pid * 10 + c - 48;
  if (j === pidStart || j - pidStart > 10) return -1;
  const ws = j;
  j = skipWs(s, j, end);
  if (j === ws) return -1;
  if (at(s, j, end) === 40 /* ( */) {
    j = skipWs(s, j + 1, end);
    const t = j;
    for (let c = at(s, j, end); isDigit(c) || c === 45; c = at(s, ++j, end));
    if (j === t || at(s, j, end) !== 41 /* ) */) return -1;
    const w = ++j;
    j = skipWs(s, j, end);
    if (j === w) return -1;
  }
  if (at(s, j, end) !== 91 /* [ */) return -1;
  const c = ++j;
  let cpu = 0;
  for (let d = at(s, j, end); isDigit(d); d = at(s, ++j, end)) cpu = cpu * 10 + d - 48;
  if (j === c || j - c > 5 || at(s, j, end) !== 93 /* ] */) return -1;
  out.pid = pid;
  out.cpu = cpu;
  return j + 1;
}

/** The events the converter reads: matched in place, no substring per line for them. */
const KNOWN_EVENTS = [
  'lock_acquire',
  'lock_release',
  'irq_handler_entry',
  'irq_handler_exit',
  'softirq_entry',
  'softirq_exit',
  'irq_disable',
  'irq_enable',
  'preempt_disable',
  'preempt_enable',
] as const;
export const LOCK_ACQUIRE = 0;
export const LOCK_RELEASE = 1;
export const IRQ_HANDLER_ENTRY = 2;
export const IRQ_HANDLER_EXIT = 3;
export const SOFTIRQ_ENTRY = 4;
export const SOFTIRQ_EXIT = 5;
export const IRQ_DISABLE = 6;
export const IRQ_ENABLE = 7;
export const PREEMPT_DISABLE = 8;
export const PREEMPT_ENABLE = 9;

/** Whether s[at, at + word.length) is `word` (the caller knows it fits in the line). */
export function sameAt(s: string, from: number, word: string): boolean {
  for (let i = 0; i < word.length; i++)
    if (s.charCodeAt(from + i) !== word.charCodeAt(i)) return false;
  return true;
}

function eventId(s: string, start: number, end: number): number {
  const n = end - start;
  for (let e = 0; e < KNOWN_EVENTS.length; e++)
    if (KNOWN_EVENTS[e].length === n && sameAt(s, start, KNOWN_EVENTS[e])) return e;
  return -1;
}

/** `flags timestamp: [system:]event:` after the CPU column; false when it is not that. */
function eventColumns(s: string, i: number, end: number, out: EventScan): boolean {
  let j = skipWs(s, i, end);
  if (j === i) return false;
  // a 4-5 character token of flag characters followed by a blank is the flags column
  let k = j;
  while (k < end && k - j <= 5) {
    const c = s.charCodeAt(k);
    if (c >= 128 || !FLAG_CHARS[c]) break;
    k++;
  }
  out.flags = -1;
  if (k - j >= 4 && k - j <= 5 && k < end && isWs(s.charCodeAt(k))) {
    out.flags = j;
    out.flagsEnd = k;
    j = skipWs(s, k, end);
  }
  // timestamp \d+\.\d+:
  k = j;
  while (k < end && isDigit(s.charCodeAt(k))) k++;
  if (k === j || at(s, k, end) !== 46 /* . */) return false;
  const frac = ++k;
  while (k < end && isDigit(s.charCodeAt(k))) k++;
  if (k === frac || at(s, k, end) !== 58 /* : */) return false;
  j = skipWs(s, k + 1, end);
  if (j === k + 1) return false;
  // [system:]event:
  k = j;
  while (k < end && isWord(s.charCodeAt(k))) k++;
  if (k === j || at(s, k, end) !== 58) return false;
  let evStart = j;
  let evEnd = k;
  let m = k + 1;
  while (m < end && isWord(s.charCodeAt(m))) m++;
  if (m > k + 1 && at(s, m, end) === 58) {
    evStart = k + 1;
    evEnd = m;
  }
  out.event = eventId(s, evStart, evEnd);
  out.evStart = evStart;
  out.evEnd = evEnd;
  let f = evEnd + 1;
  if (f < end && isWs(s.charCodeAt(f))) f++;
  out.fields = f;
  return true;
}

/**
 * Read `comm-pid [(tgid)] [cpu] [flags] timestamp: [system:]event: fields` in s[start,
 * end). A comm may itself hold `-` (`kworker/u8:3-events`) and blanks: the task is split
 * at the first `-` whose pid, CPU and event columns all follow. Linear in the line's
 * length: each candidate `-` is tried once and a failed try never scans past the next one.
 */
export function scanEventLine(s: string, start: number, end: number, out: EventScan): boolean {
  const first = skipWs(s, start, end);
  for (let dash = first + 1; dash < end; dash++) {
    if (s.charCodeAt(dash) !== 45 /* - */) continue;
    const after = taskColumns(s, dash, end, out);
    if (after < 0 || !eventColumns(s, after, end, out)) continue;
    out.commStart = first;
    out.dash = dash;
    return true;
  }
  return false;
}

/** The columns of one event line as strings (tests; the converter reads them in place). */
export function readEventLine(s: string, out: EventLine): boolean {
  const sc = newScan();
  if (!scanEventLine(s, 0, s.length, sc)) return false;
  out.comm = s.slice(sc.commStart, sc.dash).trim();
  out.pid = sc.pid;
  out.cpu = sc.cpu;
  out.flags = sc.flags < 0 ? '' : s.slice(sc.flags, sc.flagsEnd);
  out.event = sc.event >= 0 ? KNOWN_EVENTS[sc.event] : s.slice(sc.evStart, sc.evEnd);
  out.fields = sc.fields;
  return true;
}

/**
 * A copy of a substring that does not keep the text it was cut from alive: names are kept
 * for the whole import, and the text they come from is a 1 MiB chunk of the file.
 */
export const detach = (s: string): string =>
  s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);

/**
 * The first `key` in s[from, end) followed by what `accept` takes: the regex
 * `/key(...)/.exec(fields)` without making the substring. Linear: each occurrence is
 * tried once, and a failed `accept` reads a few characters at most.
 */
export function findField(
  s: string,
  from: number,
  end: number,
  key: string,
  accept: (s: string, i: number, end: number) => number,
): [number, number] | null {
  // not s.indexOf: it would search on past the line, through the rest of the chunk
  const k0 = key.charCodeAt(0);
  for (let i = from; i + key.length <= end; i++) {
    if (s.charCodeAt(i) !== k0 || !sameAt(s, i, key)) continue;
    const v = i + key.length;
    const e = accept(s, v, end);
    if (e > v) return [v, e];
  }
  return null;
}

/** `\S+`: the end of a run of non-blanks. */
export function nonBlanks(s: string, i: number, end: number): number {
  while (i < end && !isJsSpace(s.charCodeAt(i))) i++;
  return i;
}

/** `\d{1,7}\b`: the end of 1-7 digits not followed by a word character, or i. */
export function irqNumber(s: string, i: number, end: number): number {
  let j = i;
  while (j < end && j - i <= 7 && isDigit(s.charCodeAt(j))) j++;
  if (j - i > 7 || (j < end && isWord(s.charCodeAt(j)))) return i;
  return j;
}

// The same grammar over the bytes of an ASCII line: a byte is the character there.

const atB = (b: Uint8Array, i: number, end: number): number => (i < end ? b[i] : -1);

export function skipWsB(b: Uint8Array, i: number, end: number): number {
  while (i < end && isWs(b[i])) i++;
  return i;
}

function taskColumnsB(b: Uint8Array, dash: number, end: number, out: EventScan): number {
  let j = dash + 1;
  const pidStart = j;
  let pid = 0;
  for (let c = atB(b, j, end); isDigit(c); c = atB(b, ++j, end)) pid = pid * 10 + c - 48;
  if (j === pidStart || j - pidStart > 10) return -1;
  const ws = j;
  j = skipWsB(b, j, end);
  if (j === ws) return -1;
  if (atB(b, j, end) === 40 /* ( */) {
    j = skipWsB(b, j + 1, end);
    const t = j;
    for (let c = atB(b, j, end); isDigit(c) || c === 45; c = atB(b, ++j, end));
    if (j === t || atB(b, j, end) !== 41 /* ) */) return -1;
    const w = ++j;
    j = skipWsB(b, j, end);
    if (j === w) return -1;
  }
  if (atB(b, j, end) !== 91 /* [ */) return -1;
  const c = ++j;
  let cpu = 0;
  for (let d = atB(b, j, end); isDigit(d); d = atB(b, ++j, end)) cpu = cpu * 10 + d - 48;
  if (j === c || j - c > 5 || atB(b, j, end) !== 93 /* ] */) return -1;
  out.pid = pid;
  out.cpu = cpu;
  return j + 1;
}

const KNOWN_BYTES = KNOWN_EVENTS.map((e) => Uint8Array.from(e, (c) => c.charCodeAt(0)));

function eventIdB(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  for (let e = 0; e < KNOWN_BYTES.length; e++) {
    const w = KNOWN_BYTES[e];
    if (w.length !== n) continue;
    let i = 0;
    while (i < n && b[start + i] === w[i]) i++;
    if (i === n) return e;
  }
  return -1;
}

/** A little-endian 32-bit word of 4 characters, as DataView.getInt32(i, true) reads it. */
const word = (s: string): number =>
  s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
const W_LOCK = word('lock');
const W_ACQ = word('_acq');
const W_UIRE = word('uire');
const W_REL = word('_rel');
const W_EASE = word('ease');

function eventColumnsB(
  b: Uint8Array,
  dv: DataView,
  i: number,
  end: number,
  out: EventScan,
): boolean {
  let j = skipWsB(b, i, end);
  if (j === i) return false;
  // The timestamp first: it cannot be a flags column (that ends in a blank, a timestamp in
  // `:`), so trying it first reads the same line the same way, and reads the timestamp
  // once on lines without flags (`trace-cmd report`).
  let k = timestampEnd(b, dv, j, end);
  out.flags = -1;
  if (k < 0) {
    // a 4-5 character token of flag characters followed by a blank is the flags column
    let f = j;
    while (f < end && f - j <= 5 && BYTE_FLAGS[b[f]]) f++;
    if (!(f - j >= 4 && f - j <= 5 && f < end && isWs(b[f]))) return false;
    out.flags = j;
    out.flagsEnd = f;
    j = skipWsB(b, f, end);
    k = timestampEnd(b, dv, j, end);
    if (k < 0) return false;
  }
  j = skipWsB(b, k + 1, end);
  if (j === k + 1) return false;
  // `lock_acquire:` / `lock_release:` (most lines), four bytes at a time
  if (
    j + 13 <= end &&
    dv.getInt32(j, true) === W_LOCK &&
    b[j + 12] === 58 &&
    !isWord(atB(b, j + 13, end))
  ) {
    const w1 = dv.getInt32(j + 4, true);
    const w2 = dv.getInt32(j + 8, true);
    const ev =
      w1 === W_ACQ && w2 === W_UIRE
        ? LOCK_ACQUIRE
        : w1 === W_REL && w2 === W_EASE
          ? LOCK_RELEASE
          : -1;
    if (ev >= 0) {
      out.event = ev;
      out.evStart = j;
      out.evEnd = j + 12;
      out.fields = j + 13 < end && isWs(b[j + 13]) ? j + 14 : j + 13;
      return true;
    }
  }
  k = j;
  while (k < end && isWord(b[k])) k++;
  if (k === j || atB(b, k, end) !== 58) return false;
  let evStart = j;
  let evEnd = k;
  let m = k + 1;
  while (m < end && isWord(b[m])) m++;
  if (m > k + 1 && atB(b, m, end) === 58) {
    evStart = k + 1;
    evEnd = m;
  }
  out.event = eventIdB(b, evStart, evEnd);
  out.evStart = evStart;
  out.evEnd = evEnd;
  let f = evEnd + 1;
  if (f < end && isWs(b[f])) f++;
  out.fields = f;
  return true;
}

/** `\d+\.\d+:` at b[j]: the offset of its `:`, or -1. */
function timestampEnd(b: Uint8Array, dv: DataView, j: number, end: number): number {
  let k = digitsEnd(b, dv, j, end);
  if (k === j || atB(b, k, end) !== 46 /* . */) return -1;
  const frac = ++k;
  k = digitsEnd(b, dv, k, end);
  if (k === frac || atB(b, k, end) !== 58 /* : */) return -1;
  return k;
}

/** The end of the run of digits at b[i]: four at a time first (a timestamp has ten or so). */
function digitsEnd(b: Uint8Array, dv: DataView, i: number, end: number): number {
  for (; i + 4 <= end; i += 4) {
    const w = dv.getInt32(i, true);
    // every byte 0x30-0x3f, and none past 0x39 (adding 6 carries into its high nibble)
    if ((w & 0xf0f0f0f0) !== 0x30303030 || ((w + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
  }
  while (i < end && isDigit(b[i])) i++;
  return i;
}

const BYTE_FLAGS = new Uint8Array(256);
BYTE_FLAGS.set(FLAG_CHARS);

/**
 * The first `-` in b[from, end), or -1: four bytes at a time (a comm is long and a `-`
 * rare), reading nothing past the line.
 */
function dashIn(b: Uint8Array, dv: DataView, from: number, end: number): number {
  let i = from;
  for (; i + 4 <= end; i += 4) {
    const w = dv.getInt32(i, true) ^ 0x2d2d2d2d;
    if (((w - 0x01010101) & ~w & 0x80808080) !== 0) break; // a `-` in these four
  }
  for (; i < end; i++) if (b[i] === 45) return i;
  return -1;
}

/** The first ` ` in b[from, end), or end: four bytes at a time. */
export function blankIn(b: Uint8Array, dv: DataView, from: number, end: number): number {
  let i = from;
  for (; i + 4 <= end; i += 4) {
    const w = dv.getInt32(i, true) ^ 0x20202020;
    if (((w - 0x01010101) & ~w & 0x80808080) !== 0) break; // a blank in these four
  }
  while (i < end && b[i] !== 32) i++;
  return i;
}

/** skipWsB, four blanks at a time first (columns padded with blanks). */
export function skipBlanks(b: Uint8Array, dv: DataView, i: number, end: number): number {
  while (i + 4 <= end && dv.getInt32(i, true) === 0x20202020) i += 4;
  return skipWsB(b, i, end);
}

/** scanEventLine over the bytes b[start, end) of an ASCII line; `dv` views the same bytes. */
export function scanEventBytes(
  b: Uint8Array,
  dv: DataView,
  start: number,
  end: number,
  out: EventScan,
): boolean {
  return scanBytes(b, dv, start, end, out) >= 0;
}

/** scanEventBytes, returning where the task columns end (after the CPU's `]`), or -1. */
function scanBytes(
  b: Uint8Array,
  dv: DataView,
  start: number,
  end: number,
  out: EventScan,
): number {
  const first = skipBlanks(b, dv, start, end);
  for (let dash = dashIn(b, dv, first + 1, end); dash >= 0; dash = dashIn(b, dv, dash + 1, end)) {
    const after = taskColumnsB(b, dash, end, out);
    if (after < 0 || !eventColumnsB(b, dv, after, end, out)) continue;
    out.commStart = first;
    out.dash = dash;
    return after;
  }
  return -1;
}

/**
 * The task columns (`  comm-pid [(tgid)] [cpu]`, from the line's start) of the last line
 * scanEventBytesMemo read in full, and what they said, relative to the line's start.
 */
export interface TaskMemo {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  /** 0: none */
  len: number;
  commStart: number;
  dash: number;
  pid: number;
  cpu: number;
}

/** Task columns longer than this are not remembered (a hostile line costs no copy). */
const MEMO_BYTES = 128;

export const newTaskMemo = (): TaskMemo => {
  const bytes = new Uint8Array(MEMO_BYTES);
  return { bytes, dv: new DataView(bytes.buffer), len: 0, commStart: 0, dash: 0, pid: 0, cpu: 0 };
};

/**
 * scanEventBytes, reading the task columns of a line that starts with the same bytes as
 * the last line read in full (a task's events come in runs) by comparing them, four bytes
 * at a time. Same result: the `-` that ended the memo's comm is the first whose columns
 * all follow there, since a failed try at an earlier `-` reads no byte past the next `-`
 * (no column it reads holds one, bar a tgid, which ends before the `[`), and the CPU's
 * `]` ends what the successful try reads before the event columns. If the event columns
 * after the memo's do not read, the line is scanned in full.
 */
export function scanEventBytesMemo(
  b: Uint8Array,
  dv: DataView,
  start: number,
  end: number,
  out: EventScan,
  memo: TaskMemo,
): boolean {
  const m = memo.len;
  if (
    m > 0 &&
    start + m <= end &&
    sameBytes(memo.dv, memo.bytes, 0, dv, b, start, m) &&
    eventColumnsB(b, dv, start + m, end, out)
  ) {
    out.commStart = start + memo.commStart;
    out.dash = start + memo.dash;
    out.pid = memo.pid;
    out.cpu = memo.cpu;
    return true;
  }
  const after = scanBytes(b, dv, start, end, out);
  if (after < 0) return false;
  const len = after - start;
  if (len > MEMO_BYTES) {
    memo.len = 0;
    return true;
  }
  const mb = memo.bytes;
  for (let i = 0; i < len; i++) mb[i] = b[start + i];
  memo.len = len;
  memo.commStart = out.commStart - start;
  memo.dash = out.dash - start;
  memo.pid = out.pid;
  memo.cpu = out.cpu;
  return true;
}

/** Offset of the first NUL in b[p, p + len), or -1: 4 bytes at a time, exactly where one is. */
export function nulIn(dv: DataView, b: Uint8Array, p: number, len: number): number {
  const e = p + len;
  let i = p;
  for (; i + 4 <= e; i += 4) {
    const w = dv.getInt32(i, true);
    if (((w - 0x01010101) & ~w & 0x80808080) !== 0) break; // a zero byte in w
  }
  for (; i < e; i++) if (b[i] === 0) return i;
  return -1;
}
