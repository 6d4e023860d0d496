/**
 * The fast path of a JSON Lines event: one flat object written as serializeTrace(), the
 * importers or a JSON library write it (no escapes, integers as plain digits, members
 * in any order, any whitespace between tokens), parsed and validated against the op's
 * compiled members as it is read, in the text it was read in (no line string is cut
 * out of it). A line whose `op` is not its first member is scanned twice: once to find
 * the op, once to read it.
 *
 * Why not JSON.parse: for lines this short its per-call cost is most of a replay's
 * reading time, and it keeps the last of two repeated members silently, so its result
 * still has to be checked member by member. Here each name is hashed as it is scanned
 * and found among the op's members (or the declared locks) by that hash, repeats
 * included.
 *
 * Anything else (escapes, fractions, nested values, an invalid event) gives undefined,
 * and the reader falls back to JSON.parse and then to the strict parser, which says what is wrong: this path only ever accepts a line that JSON.parse
 * reads to the same object and the op table accepts. Linear in the line.
 */
import {
  compiledOp,
  K_BOOLEAN,
  K_INTEGER,
  K_LOCK,
  K_STRING,
  type CompiledOp,
  type Member,
  type OpSpec,
} from './opTable';
import type { TraceDecls, TraceEvent } from './schema';

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c,
  OPEN = 0x7b,
  CLOSE = 0x7d,
  ZERO = 0x30,
  NINE = 0x39;

/** Members beyond this many would not fit the bit set of members seen. */
const MAX_MEMBERS = 30;

/** Slots of the recent-strings cache (a power of two), and the longest string it keeps. */
const RECENT_SLOTS = 256;
const RECENT_LENGTH = 64;

/** Integers of more digits may not be exact as a double: JSON.parse rounds, this path does not. */
const MAX_DIGITS = 15;

/** One step of the name hash (the same over text being scanned and over known names). */
function step(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

function hashOf(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = step(h, name.charCodeAt(i));
  return h;
}

/** The first index from `i` that is not JSON whitespace, at most `end`. */
function skipSpace(s: string, i: number, end: number): number {
  while (i < end) {
    if (!isSpace(s.charCodeAt(i))) break;
    i++;
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Is the key text[from, to) `op`? */
function isOpKey(s: string, from: number, to: number): boolean {
  return to - from === 2 && s.charCodeAt(from) === 0x6f && s.charCodeAt(from + 1) === 0x70;
}

/** Does `s` hold `name` at `at`? (The caller has compared lengths.) */
function sameText(s: string, at: number, name: string): boolean {
  for (let j = 0; j < name.length; j++)
    if (s.charCodeAt(at + j) !== name.charCodeAt(j)) return false;
  return true;
}

/**
 * Slots a lookup or an insertion tries. The hash is simple and names come from the
 * input, which may be made to collide: past this many tries a name is not indexed, or
 * not found, and its lines take the slower paths (a Map's seeded hash) instead of a
 * search that grows with the number of names.
 */
const MAX_PROBES = 8;

/**
 * Known names, found by the hash of their text (open addressing, verified by content).
 * An empty slot holds '' (no name looked up here is empty: `op`, lock names). Packed
 * arrays and an Int32Array, so the lookup's loads need no hole checks.
 */
class NameIndex<T> {
  private readonly names: string[];
  private readonly hashes: Int32Array;
  private readonly values: (T | null)[];
  private readonly mask: number;

  constructor(entries: Iterable<readonly [string, T]>) {
    const list = [...entries];
    let size = 8;
    while (size < list.length * 2) size *= 2;
    this.mask = size - 1;
    this.names = Array.from({ length: size }, () => '');
    this.hashes = new Int32Array(size);
    this.values = Array.from({ length: size }, (): T | null => null);
    for (const [name, value] of list) {
      if (name === '') continue;
      const h = hashOf(name);
      for (let probe = 0, i = h & this.mask; probe < MAX_PROBES; probe++, i = (i + 1) & this.mask) {
        if (this.names[i] !== '') continue;
        this.names[i] = name;
        this.hashes[i] = h;
        this.values[i] = value;
        break;
      }
    }
  }

  /** The slot of the name written at s[at, at + length) with hash `h`, or -1. */
  slot(s: string, at: number, length: number, h: number): number {
    for (let probe = 0, i = h & this.mask; probe < MAX_PROBES; probe++, i = (i + 1) & this.mask) {
      const name = this.names[i];
      if (name.length === 0) return -1;
      if (this.hashes[i] === h && name.length === length && sameText(s, at, name)) return i;
    }
    return -1;
  }

  name(slot: number): string {
    return this.names[slot];
  }

  value(slot: number): T {
    return this.values[slot]!;
  }
}

/** An op as this path reads it: its compiled members and their name hashes. */
class LineOp {
  readonly members: readonly Member[];
  readonly hashes: readonly number[];
  readonly required: number;
  readonly check: OpSpec['check'];
  constructor(c: CompiledOp) {
    this.members = c.members;
    this.hashes = c.members.map((m) => hashOf(m.name));
    this.required = c.required;
    this.check = c.spec.check;
  }
}

/**
 * Reads plainly written event lines of one trace: the ops by name (those defineOp()
 * compiled, with few enough members and none named `__proto__`, which an assignment
 * would take for the prototype), and the declared locks once the header is known.
 */
export class EventLineReader {
  private readonly ops: NameIndex<LineOp>;
  private decls: TraceDecls | null = null;
  private locks: NameIndex<null> = new NameIndex([]);
  /** the hash of the last string scanString() found */
  private hash = 0;
  /**
   * Recent string values (task names, sites), one per hash slot: a name read again is
   * the same string, not a copy, and its hash for the Maps downstream is already known.
   */
  private readonly recent: string[] = new Array<string>(RECENT_SLOTS).fill('');

  constructor(specs: ReadonlyMap<string, OpSpec>) {
    const ops: [string, LineOp][] = [];
    for (const [name, spec] of specs) {
      const c = compiledOp(spec);
      if (
        c !== undefined &&
        c.members.length <= MAX_MEMBERS &&
        !c.members.some((m) => m.name === '__proto__')
      )
        ops.push([name, new LineOp(c)]);
    }
    this.ops = new NameIndex(ops);
  }

  /** The declarations events are checked against (the header's). */
  setDecls(decls: TraceDecls): void {
    this.decls = decls;
    this.locks = new NameIndex([...decls.locks.keys()].map((k) => [k, null] as const));
  }

  /**
   * Index of the quote closing the string whose first character is at `i` (its hash in
   * `this.hash`), or -1 when it holds an escape or a control character, or does not
   * close before `end`.
   */
  private scanString(s: string, i: number, end: number): number {
    let h = 0;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.hash = h;
        return i;
      }
      if (c === BACKSLASH || c < 0x20) return -1;
      h = step(h, c);
    }
    return -1;
  }

  /** The string text[from, to), whose hash scanString() left in `this.hash`. */
  private string(text: string, from: number, to: number): string {
    const length = to - from;
    if (length > RECENT_LENGTH) return text.slice(from, to);
    const slot = this.hash & (RECENT_SLOTS - 1);
    const known = this.recent[slot];
    if (known.length === length && sameText(text, from, known)) return known;
    const s = text.slice(from, to);
    this.recent[slot] = s;
    return s;
  }

  /**
   * The slot of the op named by the first `op` member of the object whose first member
   * starts at `i`, or -1. Members before it are skipped, not checked: parse() reads
   * every member afterwards, this one included.
   */
  private findOp(text: string, i: number, end: number): number {
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return -1;
      const keyEnd = this.scanString(text, i + 1, end);
      if (keyEnd < 0) return -1;
      const isOp = isOpKey(text, i + 1, keyEnd);
      i = skipSpace(text, keyEnd + 1, end);
      if (text.charCodeAt(i) !== COLON) return -1;
      i = skipSpace(text, i + 1, end);
      if (text.charCodeAt(i) === QUOTE) {
        const close = this.scanString(text, i + 1, end);
        if (close < 0) return -1;
        if (isOp) return this.ops.slot(text, i + 1, close - i - 1, this.hash);
        i = close + 1;
      } else {
        if (isOp) return -1;
        // a number or a literal, up to what follows it
        while (i < end) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === CLOSE || c === QUOTE || isSpace(c)) break;
          i++;
        }
      }
      i = skipSpace(text, i, end);
      if (text.charCodeAt(i) !== COMMA) return -1;
      i = skipSpace(text, i + 1, end);
    }
  }

  /** The event on the line text[start, end) when it is written plainly and valid, else undefined. */
  parse(text: string, start: number, end: number): TraceEvent | undefined {
    const decls = this.decls;
    if (decls === null || text.charCodeAt(start) !== OPEN) return undefined;
    let i = skipSpace(text, start + 1, end);
    let opSlot: number;
    let opSeen = false;
    let more = true;
    if (
      text.charCodeAt(i) === QUOTE &&
      isOpKey(text, i + 1, i + 3) &&
      text.charCodeAt(i + 3) === QUOTE
    ) {
      // the usual case, `op` first: read once
      i = skipSpace(text, i + 4, end);
      if (text.charCodeAt(i) !== COLON) return undefined;
      i = skipSpace(text, i + 1, end);
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const close = this.scanString(text, i + 1, end);
      if (close < 0) return undefined;
      opSlot = this.ops.slot(text, i + 1, close - i - 1, this.hash);
      opSeen = true;
      i = skipSpace(text, close + 1, end);
      more = text.charCodeAt(i) === COMMA;
      if (more) i = skipSpace(text, i + 1, end);
    } else opSlot = this.findOp(text, i, end);
    if (opSlot < 0) return undefined;
    const op = this.ops.value(opSlot);
    const members = op.members;
    const hashes = op.hashes;
    const count = members.length;
    const ev: Record<string, unknown> = {};
    if (opSeen) ev.op = this.ops.name(opSlot);
    let seen = 0;
    let required = 0;
    while (more) {
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const keyStart = i + 1;
      const keyEnd = this.scanString(text, keyStart, end);
      if (keyEnd < 0) return undefined;
      const h = this.hash;
      i = skipSpace(text, keyEnd + 1, end);
      if (text.charCodeAt(i) !== COLON) return undefined;
      i = skipSpace(text, i + 1, end);
      if (isOpKey(text, keyStart, keyEnd)) {
        // the one findOp() found; a second `op` is a repeated member
        if (opSeen || text.charCodeAt(i) !== QUOTE) return undefined;
        const close = this.scanString(text, i + 1, end);
        if (close < 0 || this.ops.slot(text, i + 1, close - i - 1, this.hash) !== opSlot)
          return undefined;
        opSeen = true;
        ev.op = this.ops.name(opSlot);
        i = skipSpace(text, close + 1, end);
        more = text.charCodeAt(i) === COMMA;
        if (more) i = skipSpace(text, i + 1, end);
        continue;
      }
      const keyLength = keyEnd - keyStart;
      let k = 0;
      while (k < count) {
        if (hashes[k] === h) {
          const name = members[k].name;
          if (name.length === keyLength && sameText(text, keyStart, name)) break;
        }
        k++;
      }
      if (k === count) return undefined; // not a member of this op
      const bit = 1 << k;
      if ((seen & bit) !== 0) return undefined; // repeated
      seen |= bit;
      const m = members[k];
      const first = text.charCodeAt(i);
      let v: string | number | boolean;
      if (first === QUOTE) {
        const close = this.scanString(text, i + 1, end);
        if (close < 0) return undefined;
        if (m.kind === K_LOCK) {
          // the declared name itself: no copy, and its hash is already known
          const slot = this.locks.slot(text, i + 1, close - i - 1, this.hash);
          if (slot < 0) return undefined;
          v = this.locks.name(slot);
        } else {
          v = this.string(text, i + 1, close);
          if (m.kind === K_STRING ? v.length === 0 : !m.accepts(v, decls)) return undefined;
        }
        i = close + 1;
      } else if (first >= ZERO && first <= NINE) {
        // no sign, no fraction or exponent; a leading zero ends the number ("01" is then
        // not followed by ',' or '}' and falls back)
        const from = i;
        let x = first - ZERO;
        i++;
        if (first !== ZERO) {
          for (
            let d = text.charCodeAt(i);
            i < end && d >= ZERO && d <= NINE;
            d = text.charCodeAt(++i)
          )
            x = x * 10 + (d - ZERO);
        }
        if (i - from > MAX_DIGITS) return undefined;
        v = x;
        if (m.kind === K_INTEGER ? x < m.lo || x > m.hi : !m.accepts(v, decls)) return undefined;
      } else {
        if (first === 0x74 && i + 4 <= end && sameText(text, i, 'true')) v = true;
        else if (first === 0x66 && i + 5 <= end && sameText(text, i, 'false')) v = false;
        else return undefined;
        i += v ? 4 : 5;
        if (m.kind !== K_BOOLEAN && !m.accepts(v, decls)) return undefined;
      }
      if (m.required) required++;
      ev[m.name] = v;
      i = skipSpace(text, i, end);
      more = text.charCodeAt(i) === COMMA;
      if (more) i = skipSpace(text, i + 1, end);
    }
    if (text.charCodeAt(i) !== CLOSE || skipSpace(text, i + 1, end) !== end) return undefined;
    if (!opSeen || required !== op.required) return undefined;
    const check = op.check;
    if (check !== undefined && check(ev as TraceEvent, decls) !== null) return undefined;
    return ev as TraceEvent;
  }
}
