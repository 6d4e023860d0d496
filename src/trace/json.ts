/**
 * A strict JSON (RFC 8259) parser that can record where every value starts, so errors
 * name a line and column for any JSON pointer. JSON.parse cannot do this: it neither
 * reports positions of values nor rejects duplicate keys (the later one silently wins,
 * which would drop input without a word).
 *
 * Positions are recorded only when asked (`track`): the JSON Lines reader parses each
 * line with JSON.parse first and comes back here only to explain an error.
 */
import { pointerJoin, type SourcePosition } from './errors';

/** Malformed JSON: where, what was there, what the grammar allows there. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly found: string,
    readonly expected: string,
  ) {
    super(`at offset ${offset}: found ${found}, expected ${expected}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface LocatedJson {
  readonly value: unknown;
  /** JSON pointer -> offset of the value's first character (only when tracked) */
  readonly valueAt: Map<string, number>;
  /** JSON pointer -> offset of the member's key (objects' members only, when tracked) */
  readonly keyAt: Map<string, number>;
}

/** Deeper nesting than any trace needs; the limit keeps the recursion off the JS stack limit. */
const MAX_DEPTH = 256;

const NO_POSITIONS: Map<string, number> = new Map();

const WS_SPACE = 0x20,
  WS_TAB = 0x09,
  WS_LF = 0x0a,
  WS_CR = 0x0d;

class Parser {
  i = 0;
  readonly valueAt: Map<string, number>;
  readonly keyAt: Map<string, number>;

  constructor(
    private readonly s: string,
    private readonly track: boolean,
    /** what the text is, for messages: a whole document or one JSON Lines line */
    private readonly unit: 'input' | 'line' = 'input',
  ) {
    // untracked parses (every JSON Lines line) allocate no maps
    this.valueAt = track ? new Map<string, number>() : NO_POSITIONS;
    this.keyAt = track ? new Map<string, number>() : NO_POSITIONS;
  }

  fail(expected: string, at = this.i): never {
    throw new JsonSyntaxError(at, this.foundAt(at), expected);
  }

  /** The offending input as a short readable token. */
  foundAt(at: number): string {
    const s = this.s;
    if (at >= s.length) return `end of ${this.unit}`;
    const c = s.charCodeAt(at);
    if (/[\w$]/.test(s[at])) {
      let j = at;
      while (j < s.length && j - at < 20 && /[\w$.+-]/.test(s[j])) j++;
      return `'${s.slice(at, j)}'`;
    }
    if (c < 0x20 || c === 0x7f) return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${s[at]}'`;
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === WS_SPACE || c === WS_LF || c === WS_CR || c === WS_TAB) i++;
      else break;
    }
    this.i = i;
  }

  value(ptr: string, depth: number): unknown {
    this.ws();
    if (this.track) this.valueAt.set(ptr, this.i);
    const c = this.s.charCodeAt(this.i);
    switch (c) {
      case 0x7b:
        return this.object(ptr, depth + 1); // {
      case 0x5b:
        return this.array(ptr, depth + 1); // [
      case 0x22:
        return this.string(); // "
      case 0x74:
        return this.word('true', true);
      case 0x66:
        return this.word('false', false);
      case 0x6e:
        return this.word('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail('a JSON value (object, array, string, number, true, false or null)');
    }
  }

  word<T>(w: string, v: T): T {
    if (this.s.startsWith(w, this.i)) {
      const next = this.s[this.i + w.length];
      if (next === undefined || !/\w/.test(next)) {
        this.i += w.length;
        return v;
      }
    }
    return this.fail('a JSON value (object, array, string, number, true, false or null)');
  }

  number(): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 0x2d) i++;
    const digits = (): boolean => {
      const j = i;
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
      return i > j;
    };
    if (s.charCodeAt(i) === 0x30) i++;
    else if (!digits()) this.fail('a digit', i);
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      if (!digits()) this.fail('a digit after the decimal point', i);
    }
    if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
      i++;
      if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
      if (!digits()) this.fail('a digit in the exponent', i);
    }
    this.i = i;
    return Number(s.slice(start, i));
  }

  string(): string {
    const s = this.s;
    const start = this.i + 1;
    let i = start;
    // Fast path: no escapes, no control characters.
    for (;;) {
      if (i >= s.length) this.fail(`'"' closing the string opened at offset ${start - 1}`, i);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 0x5c) break;
      if (c < 0x20)
        this.fail('a character of a string (control characters must be escaped, e.g. \\n)', i);
      i++;
    }
    let out = s.slice(start, i);
    for (;;) {
      if (i >= s.length) this.fail(`'"' closing the string opened at offset ${start - 1}`, i);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return out;
      }
      if (c < 0x20)
        this.fail('a character of a string (control characters must be escaped, e.g. \\n)', i);
      if (c !== 0x5c) {
        out += s[i++];
        continue;
      }
      const e = s[i + 1];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[\da-f]{4}$/i.test(hex)) this.fail('four hex digits after \\u', i + 2);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX', i + 1);
      }
      i += 2;
    }
  }

  object(ptr: string, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of nesting`);
    const s = this.s;
    this.i++; // {
    const out: Record<string, unknown> = {};
    this.ws();
    if (s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      const keyAt = this.i;
      if (s.charCodeAt(this.i) !== 0x22) this.fail('a member name in double quotes');
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw new JsonSyntaxError(
          keyAt,
          JSON.stringify(key) + ' a second time',
          'each member name once per object',
        );
      }
      const p = this.track ? pointerJoin(ptr, key) : '';
      if (this.track) this.keyAt.set(p, keyAt);
      this.ws();
      if (s.charCodeAt(this.i) !== 0x3a) this.fail("':' after the member name");
      this.i++;
      const v = this.value(p, depth);
      // Define rather than assign: a member named __proto__ is data, not a prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = v;
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return out;
      }
      this.fail("',' or '}'");
    }
  }

  array(ptr: string, depth: number): unknown[] {
    if (depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of nesting`);
    const s = this.s;
    this.i++; // [
    const out: unknown[] = [];
    this.ws();
    if (s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(this.track ? `${ptr}/${out.length}` : '', depth));
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.fail("',' or ']'");
    }
  }
}

/**
 * Parse exactly one JSON value (surrounded by optional whitespace). Throws
 * JsonSyntaxError. With `track`, records the offset of every value and member key.
 */
export function parseJson(
  text: string,
  track = false,
  unit: 'input' | 'line' = 'input',
): LocatedJson {
  const p = new Parser(text, track, unit);
  const value = p.value('', 0);
  p.ws();
  if (p.i < text.length)
    p.fail(
      unit === 'line'
        ? 'end of line (one JSON value per line)'
        : 'end of input (one JSON value per document)',
    );
  return { value, valueAt: p.valueAt, keyAt: p.keyAt };
}

/** Offsets to 1-based line/column, via a line-start table built once per text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): SourcePosition {
    const st = this.starts;
    let lo = 0;
    let hi = st.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (st[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - st[lo] + 1 };
  }
}
