/**
 * Property: the trace reader, fed any mutation of a bundled example (JSON document or
 * JSON Lines), either replays it or throws a TraceError located at file:line:col. A
 * trace it accepts replays (as text and as the parsed object) with nothing thrown but a
 * LockdepError.
 */
import fc from 'fast-check';
import { replayTrace } from '../../src/trace/check';
import { parseTrace, TraceReader } from '../../src/trace/reader';
import { expectLocated, expectTyped, runs, TRACE_SAMPLES } from './helpers';

const FILE = 'fuzz.json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values that break assumptions: wrong types, huge and odd numbers, unicode, nesting. */
const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(
    0,
    -1,
    1,
    1.5,
    255,
    256,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 53 + 2,
    4294967295,
    4294967296,
    1e-7,
    -0,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'rcu_read_lock',
    'mutex',
    'lock',
    'init',
    '\u0000',
    '\ud800',
    'é',
    '🔒',
    'a/b~c',
  ),
  fc.constant([] as Json[]),
  fc.constant({}),
  fc.integer({ min: 1, max: 300 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d)) as Json),
  fc
    .integer({ min: 1, max: 300 })
    .map((d) => JSON.parse('{"a":'.repeat(d) + '1' + '}'.repeat(d)) as Json),
);

/** Every path to a value in a JSON tree. */
function paths(
  v: Json,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object')
    for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

type Edit = {
  kind: 'replace' | 'delete' | 'rename' | 'dup-value';
  pick: number;
  value: Json;
  key: string;
};

function applyEdit(root: Json, e: Edit): Json {
  const all = paths(root);
  const p = all[e.pick % all.length];
  if (p.length === 0) return e.kind === 'replace' ? e.value : root;
  const copy = structuredClone<Json>(root);
  let parent = copy as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = p[p.length - 1];
  if (Array.isArray(parent)) {
    const i = last as number;
    if (e.kind === 'delete') parent.splice(i, 1);
    else if (e.kind === 'dup-value') parent.splice(i, 0, structuredClone(parent[i]));
    else parent[i] = e.value;
  } else if (e.kind === 'delete') {
    delete parent[last];
  } else if (e.kind === 'rename') {
    const v = parent[last];
    delete parent[last];
    Object.defineProperty(parent, e.key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (e.kind === 'dup-value') {
    Object.defineProperty(parent, e.key, {
      value: structuredClone(parent[last]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    parent[last] = e.value;
  }
  return copy;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'delete', 'rename', 'dup-value'),
  pick: fc.nat(),
  value: nasty,
  key: fc.oneof(
    fc.constantFrom(
      'op',
      'lock',
      'task',
      'cpu',
      'read',
      'try',
      'subclass',
      'nest',
      'type',
      'class',
      'wait',
      'inner',
      'events',
      'config',
      'locks',
      '__proto__',
      'strategy',
      'gfp',
    ),
    fc.string({ maxLength: 5 }),
  ),
});

/** Serialize, as a document (pretty or compact) or as JSON Lines when the shape allows. */
function serialize(v: Json, form: number): string {
  if (
    form === 2 &&
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Array.isArray(v.events)
  ) {
    const { events, ...header } = v;
    return (
      [JSON.stringify(header), ...events.map((e) => JSON.stringify(e))].join(
        form === 2 ? '\n' : '\r\n',
      ) + '\n'
    );
  }
  return form === 1 ? JSON.stringify(v) : JSON.stringify(v, null, 2);
}

/** Text-level damage: flips, truncation, a duplicated key, inserted characters. */
type TextEdit = {
  kind: 'flip' | 'truncate' | 'insert' | 'dup-key' | 'delete-line' | 'swap-lines' | 'crlf';
  at: number;
  ch: string;
};

function applyText(s: string, e: TextEdit): string {
  if (s.length === 0) return e.ch;
  const i = e.at % s.length;
  switch (e.kind) {
    case 'flip':
      return (
        s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << (e.at % 7))) + s.slice(i + 1)
      );
    case 'truncate':
      return s.slice(0, i);
    case 'insert':
      return s.slice(0, i) + e.ch + s.slice(i);
    case 'crlf':
      return s.replace(/\n/g, '\r\n');
    case 'dup-key': {
      // repeat one `"key": value` member right after itself (a duplicate member name)
      const m = /"[^"\\]+":\s*(?:"[^"]*"|-?\d+(?:\.\d+)?|true|false|null)/g;
      const hits = [...s.matchAll(m)];
      if (hits.length === 0) return s;
      const h = hits[e.at % hits.length];
      const end = h.index + h[0].length;
      return `${s.slice(0, end)}, ${h[0]}${s.slice(end)}`;
    }
    case 'delete-line':
    case 'swap-lines': {
      const lines = s.split('\n');
      const j = e.at % lines.length;
      if (e.kind === 'delete-line') lines.splice(j, 1);
      else if (j + 1 < lines.length) [lines[j], lines[j + 1]] = [lines[j + 1], lines[j]];
      return lines.join('\n');
    }
  }
}

const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  kind: fc.constantFrom(
    'flip',
    'truncate',
    'insert',
    'dup-key',
    'delete-line',
    'swap-lines',
    'crlf',
  ),
  at: fc.nat(),
  ch: fc.oneof(
    fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      '\n',
      '\u0000',
      '\ufeff',
      '\u2028',
      '1e999',
      '-',
      'null',
      '\ud83d',
    ),
    fc.string({ maxLength: 3 }),
  ),
});

/** Parse and replay; the only outcomes allowed are success or a located TraceError. */
function attempt(text: string, context: string): void {
  let parsed;
  try {
    parsed = parseTrace(text, FILE);
  } catch (e) {
    expectLocated(e, FILE, context);
    return;
  }
  try {
    replayTrace(text, { file: FILE });
  } catch (e) {
    expectLocated(e, FILE, `${context} (replaying the text)`);
  }
  try {
    replayTrace(parsed, { file: FILE });
  } catch (e) {
    expectTyped(e, `${context} (replaying the parsed object)`);
  }
}

const sample = fc.nat({ max: TRACE_SAMPLES.length - 1 });

describe('fuzz: trace reader on mutated examples', () => {
  it('structural mutations (wrong types, deleted/renamed/duplicated members, huge numbers, unicode, nesting)', () => {
    fc.assert(
      fc.property(
        sample,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.nat({ max: 2 }),
        (si, edits, form) => {
          let doc = JSON.parse(TRACE_SAMPLES[si].text) as Json;
          for (const e of edits) doc = applyEdit(doc, e);
          attempt(
            serialize(doc, form),
            `${TRACE_SAMPLES[si].name} with ${JSON.stringify(edits)} form ${form}`,
          );
        },
      ),
      runs(300, 0x10cd),
    );
  });

  it('text mutations (byte flips, truncation, duplicate keys, line deletions and swaps)', () => {
    fc.assert(
      fc.property(
        sample,
        fc.array(textEdit, { minLength: 1, maxLength: 3 }),
        fc.nat({ max: 2 }),
        (si, edits, form) => {
          let text = serialize(JSON.parse(TRACE_SAMPLES[si].text) as Json, form);
          for (const e of edits) text = applyText(text, e);
          attempt(text, `${TRACE_SAMPLES[si].name} form ${form} with ${JSON.stringify(edits)}`);
        },
      ),
      runs(300, 0x5eed),
    );
  });

  it('every truncation of a small example is a success or a located error', () => {
    const s = TRACE_SAMPLES.find((x) => x.name.endsWith('abba-deadlock.json'))!;
    for (const form of [0, 2]) {
      const text = serialize(JSON.parse(s.text) as Json, form);
      for (let i = 0; i <= text.length; i++)
        attempt(text.slice(0, i), `truncated at ${i} (form ${form})`);
    }
  });

  it('the reader gives the same events or the same error whatever the chunking (streamed files arrive in pieces)', () => {
    const read = (chunks: readonly string[]): string => {
      const events: unknown[] = [];
      const r = new TraceReader(FILE, {
        header: (h) => void events.push(h),
        event: (ev, i) => void events.push([i, ev]),
      });
      try {
        for (const c of chunks) r.push(c);
        r.end();
        return JSON.stringify(events);
      } catch (e) {
        expectLocated(e, FILE, JSON.stringify(chunks));
        return (e as Error).message;
      }
    };
    fc.assert(
      fc.property(
        sample,
        fc.array(textEdit, { maxLength: 2 }),
        fc.nat({ max: 2 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (si, edits, form, cuts) => {
          let text = '\ufeff' + serialize(JSON.parse(TRACE_SAMPLES[si].text) as Json, form);
          for (const e of edits) text = applyText(text, e);
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...at]
            .map((a, i, xs) => text.slice(a, xs[i + 1] ?? text.length))
            .filter((c) => c !== '');
          expect(read(chunks)).toBe(read([text]));
        },
      ),
      runs(300, 0xc4c4),
    );
  });
});
