/**
 * Errors about a trace: where (file, line, column, JSON pointer), what was found, what
 * was expected. One class for every kind of bad input so front-ends print one line per
 * error and never a stack trace.
 */
import { LockdepError } from '../core/errors';

/** Stable identifiers of what went wrong; new codes are added, never renamed. */
export type TraceErrorCode =
  /** not JSON, or a JSON Lines line that is not one JSON value */
  | 'malformed-json'
  /** `lockdep-trace` missing or a version this build does not read */
  | 'unsupported-version'
  /** an event's `op` is not in the op table */
  | 'unknown-op'
  /** an event names a lock not declared in `locks` (nor predeclared) */
  | 'unknown-lock'
  /** a value of the wrong JSON type or outside its allowed set */
  | 'wrong-type'
  /** a field the schema does not define (nothing is silently dropped) */
  | 'unknown-field'
  /** a field this event's lock type does not support (`read` on a mutex, ...) */
  | 'unsupported-field'
  /** a required field is absent */
  | 'missing-field'
  /** the kernel configuration is contradictory or out of range */
  | 'invalid-config'
  /** a valid event the model cannot perform (failed trylock, exited task, ...) */
  | 'replay'
  /** the file cannot be read */
  | 'io'
  /** a byte sequence that is not UTF-8 */
  | 'invalid-utf8'
  /** a JSON document larger than the reader takes whole (use JSON Lines) */
  | 'too-large';

/** A source position, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface TraceErrorInit {
  readonly code: TraceErrorCode;
  /** JSON pointer (RFC 6901) of the offending value; `` is the whole document */
  readonly pointer: string;
  /** what the input had, as it would be written (`"fast"`, `42`, `an object`) */
  readonly found?: string;
  /** what the schema allows */
  readonly expected?: string;
  /** free text when found/expected does not fit (replay errors) */
  readonly detail?: string;
}

export class TraceError extends LockdepError {
  readonly traceCode: TraceErrorCode;
  readonly file: string;
  /** 1-based; 0 when unknown (e.g. an unreadable file) */
  readonly line: number;
  readonly column: number;
  readonly pointer: string;
  readonly found: string | undefined;
  readonly expected: string | undefined;
  readonly detail: string | undefined;

  constructor(init: TraceErrorInit, file: string, pos: SourcePosition | null) {
    super('invalid-trace', formatTraceError(init, file, pos));
    this.name = 'TraceError';
    this.traceCode = init.code;
    this.file = file;
    this.line = pos?.line ?? 0;
    this.column = pos?.column ?? 0;
    this.pointer = init.pointer;
    this.found = init.found;
    this.expected = init.expected;
    this.detail = init.detail;
  }
}

function formatTraceError(init: TraceErrorInit, file: string, pos: SourcePosition | null): string {
  return oneLine(formatParts(init, file, pos));
}

/**
 * An error is one line: control characters that reach the message from the input (a
 * member name with a newline in a pointer, a lock name in a replay detail) are escaped
 * as JSON would write them.
 */
function oneLine(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => LINE_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const LINE_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function formatParts(init: TraceErrorInit, file: string, pos: SourcePosition | null): string {
  const where = pos ? `${file}:${pos.line}:${pos.column}` : file;
  if (init.code === 'io') return `${where}: ${init.detail ?? 'cannot read the file'}`;
  const ptr = init.pointer === '' ? '(document)' : init.pointer;
  const what =
    init.found !== undefined && init.expected !== undefined
      ? `found ${init.found}, expected ${init.expected}`
      : init.expected !== undefined
        ? `expected ${init.expected}`
        : '';
  const text = [what, init.detail].filter((s) => s).join('; ');
  return `${where}: ${ptr}: ${text}`;
}

/** A value as an error message shows it: strings quoted, containers by kind. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': {
      const s = JSON.stringify(v);
      return s.length > 42 ? `${s.slice(0, 40)}..."` : s;
    }
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return `a ${typeof v}`;
  }
}

/** Append one reference token to a JSON pointer (RFC 6901 escaping). */
export function pointerJoin(base: string, token: string | number): string {
  const t =
    typeof token === 'number' ? String(token) : token.replace(/~/g, '~0').replace(/\//g, '~1');
  return `${base}/${t}`;
}

/**
 * " (did you mean "X"?)" when `found` is a near miss (edit distance at most 2, or a
 * case-only difference) of exactly one candidate; "" otherwise.
 */
export function didYouMean(found: unknown, candidates: Iterable<string>): string {
  if (typeof found !== 'string' || found.length === 0) return '';
  const near: string[] = [];
  for (const c of candidates) {
    if (c.toLowerCase() === found.toLowerCase() || editDistance(found, c, 2) <= 2) near.push(c);
  }
  return near.length === 1 ? ` (did you mean ${JSON.stringify(near[0])}?)` : '';
}

/** Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}
