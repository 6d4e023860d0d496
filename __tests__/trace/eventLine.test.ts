/**
 * The JSON Lines fast path (src/trace/eventLine.ts) against the reference it shortcuts:
 * the strict parser (parseJson, which rejects repeated members) and validateEvent().
 * It may decline any line (the reader then takes the slower paths), but a line it
 * accepts must be an event those accept, read to the same object, members in the same
 * order; and a plainly written valid event must not be declined, or the replay bench
 * measures the slow path.
 */
import fc from 'fast-check';
import { EventLineReader } from '../../src/trace/eventLine';
import { parseJson } from '../../src/trace/json';
import type { FieldValidator } from '../../src/trace/fields';
import { defineOp, mergeOps, OPS, specTable, validateEvent } from '../../src/trace/ops';
import { TraceReader } from '../../src/trace/reader';
import { validateHeader, type TraceDecls, type TraceEvent } from '../../src/trace/schema';
import { runs } from '../helpers/fuzz';

const DECLS: TraceDecls = validateHeader(
  {
    'lockdep-trace': 1,
    locks: {
      raw: { type: 'raw_spinlock' },
      spin: { type: 'spinlock' },
      rw: { type: 'rwlock' },
      m: { type: 'mutex' },
      sem: { type: 'rwsem' },
      'é🔒': { type: 'spinlock' },
    },
  },
  true,
);

function reader(): EventLineReader {
  const r = new EventLineReader(specTable(OPS));
  r.setDecls(DECLS);
  return r;
}

/** The reference: strict JSON (no repeated members) and the op table's validation. */
function reference(line: string): unknown {
  let v: unknown;
  try {
    v = parseJson(line, false, 'line').value;
    return validateEvent(v, DECLS, '/events/0');
  } catch {
    return undefined;
  }
}

/** The fast path on `line` placed inside other text, as the reader calls it (no slice). */
function fast(r: EventLineReader, line: string): unknown {
  const text = `{"op":"lock","lock":"raw"}\n${line}\r\n{"op":`;
  const start = text.indexOf('\n') + 1;
  return r.parse(text, start, start + line.length);
}

function expectSame(r: EventLineReader, line: string): void {
  const got = fast(r, line);
  if (got === undefined) return;
  const ref = reference(line);
  expect({ line, accepted: ref !== undefined }).toEqual({ line, accepted: true });
  expect(got).toEqual(JSON.parse(line));
  expect(Object.keys(got as object)).toEqual(Object.keys(JSON.parse(line) as object));
}

describe('event lines: the fast path accepts only what the strict path accepts', () => {
  // Each row: a line the fast path must decline, and why the strict path would differ.
  const declined: readonly [string, string][] = [
    ['{"op":"lock","lock":"raw","lock":"spin"}', 'repeated member (JSON.parse keeps the last)'],
    ['{"op":"lock","op":"unlock","lock":"raw"}', 'repeated op'],
    ['{"op":"lock","lock":"raw","at":"a","at":"b"}', 'repeated optional member'],
    ['{"op":"lock","lock":"nope"}', 'undeclared lock'],
    ['{"op":"lock","lock":"ra"}', 'a prefix of a declared lock'],
    ['{"op":"lock","lock":"raw2"}', 'a declared lock and more'],
    ['{"op":"lock"}', 'required member missing'],
    ['{"op":"lock","lock":"m","read":true}', 'check(): a mutex has no read side'],
    ['{"op":"lock","lock":"raw","extra":1}', 'unknown member'],
    ['{"op":"lock","lock":"raw","__proto__":1}', '__proto__ member'],
    ['{"op":"toString"}', 'inherited name, not an op'],
    ['{"op":"__proto__"}', 'not an op'],
    ['{"op":"lock","lock":"r\\u0061w"}', 'an escape'],
    ['{"op":"lock","lock":"raw","at":"a\tb"}', 'a raw control character'],
    ['{"op":"lock","lock":"raw","cpu":01}', 'leading zero: not JSON'],
    ['{"op":"lock","lock":"raw","cpu":1.0}', 'a fraction'],
    ['{"op":"lock","lock":"raw","cpu":1e0}', 'an exponent'],
    ['{"op":"lock","lock":"raw","cpu":-0}', 'a sign'],
    [
      '{"op":"lock","lock":"raw","pid":1234567890123456}',
      'more digits than a double keeps exactly',
    ],
    ['{"op":"lock","lock":"raw","cpu":8192}', 'out of range'],
    ['{"op":"lock","lock":"raw","task":""}', 'empty task name'],
    ['{"op":"lock","lock":"raw","read":tru}', 'not a literal'],
    ['{"op":"lock","lock":"raw","read":truex}', 'a literal and more'],
    ['{"op":"lock","lock":"raw","read":null}', 'null'],
    ['{"op":"lock","lock":"raw","at":["x"]}', 'nested value'],
    [' {"op":"lock","lock":"raw"}', 'whitespace before the object'],
    ['{"op":"lock",\u00a0"lock":"raw"}', 'a space JSON does not allow (U+00A0)'],
    ['{"op":"lock",\f"lock":"raw"}', 'form feed, not JSON whitespace'],
    ['{"lock":"raw","op":"lock","op":"lock"}', 'repeated op, not first'],
    ['{"lock":"raw","op":"unlock","op":"lock"}', 'two ops, not first'],
    ['{"lock":"raw"}', 'no op'],
    ['{"cpu":1,"op":5}', 'op not a string'],
    ['{"at":"x","lock":[1,"op"],"op":"lock"}', 'nested value before op'],
    ['{"lock":"raw","op":"lock"', 'op not first, not closed'],
    ['{"op":"lock","lock":"raw"} x', 'text after the object'],
    ['{"op":"lock","lock":"raw",}', 'trailing comma'],
    ['{"op":"lock","lock":"raw"', 'not closed'],
    ['{"op":"lock","lock":"raw}', 'string not closed'],
    ['{"op":"irq_enter","threaded":1}', 'a number where a boolean goes'],
  ];
  it.each(declined)('declines %s (%s)', (line) => {
    expect(fast(reader(), line)).toBeUndefined();
  });

  // Plain lines the fast path must read (what serializeTrace() and the importers write).
  const accepted: readonly string[] = [
    '{"op":"lock","lock":"raw"}',
    '{"op":"lock","lock":"rw","read":true,"task":"worker","cpu":1}',
    '{"op":"lock","lock":"sem","subclass":4294967295,"nest":"m","at":"fs/inode.c:12"}',
    '{"op":"lock","lock":"é🔒","pid":4194304,"try":true}',
    '{"op":"unlock","lock":"rcu_read_lock","task":"kworker/0:1"}',
    '{"op":"irq_enter","threaded":false,"irq":0,"name":"eth0"}',
    '{"op":"preempt_disable"}',
    '{"lock":"raw","op":"lock"}',
    '{"cpu":3,"lock":"rw","op":"lock","read":true,"task":"w"}',
    '{"lock": "rw", "op": "unlock", "at": "x"}',
    '{"op": "lock", "lock": "rw", "read": true, "cpu": 12}',
    '{ "op" : "lock" ,\t"lock" : "raw" } \t',
    '{"op":"model_setup","strategy":"mainline","page_owner":true,"min_cached_objs":5}',
  ];
  it.each(accepted)('reads %s as JSON.parse does', (line) => {
    const r = reader();
    const got = fast(r, line);
    expect(got).toEqual(JSON.parse(line));
    expect(Object.keys(got as object)).toEqual(Object.keys(JSON.parse(line) as object));
    expect(reference(line)).toEqual(got);
  });

  it('any line built from event-like pieces: accepted only as the strict path reads it', () => {
    const key = fc.constantFrom(
      'op',
      'lock',
      'read',
      'try',
      'subclass',
      'nest',
      'at',
      'task',
      'cpu',
      'pid',
      'threaded',
      'irq',
      'name',
      'site',
      'reason',
      '',
      'x',
      '__proto__',
      'lock\\u0020',
    );
    const value = fc.oneof(
      fc.constantFrom(
        '"raw"',
        '"spin"',
        '"rw"',
        '"m"',
        '"sem"',
        '"rcu_read_lock"',
        '"é🔒"',
        '""',
        '"a\\"b"',
        '"\u0001"',
        '"lock"',
        '0',
        '00',
        '01',
        '1',
        '8191',
        '8192',
        '4294967295',
        '4294967296',
        '1.5',
        '1e2',
        '-1',
        'true',
        'false',
        'null',
        '[]',
        '{}',
        '9007199254740993',
        '123456789012345',
        '1234567890123456',
        'tru',
        ' 1',
      ),
      fc.nat().map(String),
      fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)),
    );
    const op = fc.constantFrom(...Object.keys(OPS), 'toString', 'nope', '');
    const member = fc.tuple(key, value).map(([k, v]) => `"${k}":${v}`);
    // one reader for every line: what it keeps between lines (recent strings) is exercised
    const r = reader();
    fc.assert(
      fc.property(op, fc.array(member, { maxLength: 6 }), fc.nat({ max: 3 }), (o, ms, form) => {
        const body = [`"op":${JSON.stringify(o)}`, ...ms];
        if (form === 1) body.reverse();
        let line = `{${body.join(',')}}`;
        if (form === 2) line = line.replace(',', ', ').replace(':', ' :\t');
        expectSame(r, line);
      }),
      runs(400, 0xe1e1),
    );
  });

  it('every valid event written plainly (JSON.stringify, op first) is read by the fast path', () => {
    const lockName = fc.constantFrom('raw', 'spin', 'rw', 'm', 'sem', 'rcu_read_lock', 'é🔒');
    const event = fc.record(
      {
        lock: lockName,
        read: fc.boolean(),
        try: fc.boolean(),
        subclass: fc.nat({ max: 8 }),
        nest: lockName,
        at: fc.string({ minLength: 1, maxLength: 6 }),
        task: fc.string({ minLength: 1, maxLength: 6 }),
        cpu: fc.nat({ max: 8191 }),
        pid: fc.integer({ min: 1, max: 4194304 }),
      },
      { requiredKeys: ['lock'] },
    );
    const r = reader();
    fc.assert(
      fc.property(fc.constantFrom('lock', 'unlock'), event, (op, fields) => {
        const line = JSON.stringify({ op, ...fields });
        const ref = reference(line);
        const got = fast(r, line);
        if (ref === undefined) {
          expect(got).toBeUndefined();
          return;
        }
        // JSON.stringify escapes a backslash, a quote, a control character
        const plain = !line.includes('\\');
        if (plain) expect(got).toEqual(ref);
        else expect(got).toBeUndefined();
      }),
      runs(400, 0xe2e2),
    );
  });

  it('a validator of its own (no builder rule) is called through test(), numbers exact', () => {
    const any: FieldValidator<unknown, true> = {
      expected: 'anything',
      optional: true,
      schema: {},
      test: () => true,
      validate: () => null,
    };
    const ops = mergeOps(OPS, {
      custom: defineOp({ summary: 'test', fields: { any }, apply() {} }),
    });
    const r = new EventLineReader(specTable(ops));
    r.setDecls(DECLS);
    const read = (line: string): unknown => r.parse(line, 0, line.length);
    for (const line of [
      '{"op":"custom","any":123456789012345}',
      '{"op":"custom","any":"x"}',
      '{"op":"custom","any":false}',
    ])
      expect(read(line)).toEqual(JSON.parse(line));
    // 17 digits: JSON.parse rounds to the nearest double; this path declines
    expect(read('{"op":"custom","any":12345678901234567}')).toBeUndefined();
    expect(read('{"op":"custom","any":null}')).toBeUndefined();
  });

  it('lock names made to collide in the hash: every event still read, the same as JSON.parse', () => {
    // "Aa" and "BB" hash alike, so every name made of them does (2^10 names)
    const names: string[] = [];
    for (let n = 0; n < 1 << 10; n++) {
      let name = '';
      for (let b = 0; b < 10; b++) name += n & (1 << b) ? 'Aa' : 'BB';
      names.push(name);
    }
    const header = {
      'lockdep-trace': 1,
      locks: Object.fromEntries(names.map((x) => [x, { type: 'spinlock' }])),
    };
    const lines = names.flatMap((x) => [
      JSON.stringify({ op: 'lock', lock: x }),
      JSON.stringify({ op: 'unlock', lock: x }),
    ]);
    const got: TraceEvent[] = [];
    new TraceReader('collide.jsonl', {
      header() {},
      event: (ev) => void got.push(ev),
    }).push(`${JSON.stringify(header)}\n${lines.join('\n')}\n`);
    expect(got).toEqual(lines.map((l) => JSON.parse(l) as unknown));
  });
});
