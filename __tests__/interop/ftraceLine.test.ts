/**
 * The two readers of an ftrace line (issue 10: one pass, ASCII fast path): the text
 * scanner (in-memory text, file chunks that are not ASCII) and the byte scanner (ASCII file
 * chunks, read without decoding) read the same grammar the same way, in linear time, and a
 * file converts to the same events and summary as the same text held in memory.
 */
import { runs } from '../helpers/fuzz';
import { assertLinearReads } from '../helpers/linear';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import fc from 'fast-check';
import { convertFtraceFile, ftraceToTrace, FtraceConverter } from '../../src/interop/ftrace';
import {
  newScan,
  readEventLine,
  scanEventBytes,
  scanEventBytesMemo,
  newTaskMemo,
  scanEventLine,
  type EventScan,
} from '../../src/interop/ftraceLine';
import type { TraceEvent } from '../../src/trace/schema';

const dir = mkdtempSync(join(tmpdir(), 'lockdep-ftraceline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(text: string): string {
  const f = join(dir, `t${fileNo++}.txt`);
  writeFileSync(f, text);
  return f;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const view = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.length);

/** Both scanners over one ASCII line, embedded in other text as it is in a chunk. */
function both(line: string): [boolean, EventScan, boolean, EventScan] {
  const before = 'x-1 [0] 1.0: lock_acquire: 0x1 a\n';
  const after = '\n-2 [3] 4.5: e: f';
  const text = before + line + after;
  const t = newScan();
  const b = newScan();
  const okT = scanEventLine(text, before.length, before.length + line.length, t);
  const buf = ascii(text);
  const okB = scanEventBytes(buf, view(buf), before.length, before.length + line.length, b);
  return [okT, t, okB, b];
}

describe('the byte scanner reads what the text scanner reads (kernel/trace/trace_output.c columns)', () => {
  it.each([
    ['          insmod-1234    [003] d..1.   100.000001: lock_acquire: 0xff a', true],
    ['kworker/u8:3-events-1234 [000]   200.5: lock:lock_release: 0x1 b', true],
    ['   Web Content-77  (   77) [300] ....  1.0: irq_handler_entry: irq=1 name=x', true],
    ['<idle>-0 [8191] dNh2. 3.25: softirq_entry: vec=1', true],
    ['a-1 [0] 1.0: lock_acquire:foo: bar', true],
    ['a-1 [0] 1.0: lock_acquirex: bar', true],
    ['a-1 [0] 1.0: lock_release:', true],
    ['a-1 [0] 1.0: lock_relea', false],
    ['# tracer: nop', false],
    ['a-1 [0] x', false],
    ['-1 [0] 1.0: e: f', false],
    ['a-b [0] 1.0: e: f', false],
    // timestamps read four digits at a time: bytes 0x3a-0x3f (`:;<=>?`) are no digits
    ['a-1 [0] 12345678.12345678: e: f', true],
    ['a-1 [0] 1234:678.5: e: f', false],
    ['a-1 [0] 123?5678.5: e: f', false],
    ['a-1 [0] 12345.123>5678: e: f', false],
    ['a-1 [0] 1234/678.5: e: f', false],
  ])('%s', (line, ok) => {
    const [okT, t, okB, b] = both(line);
    expect(okT).toBe(ok);
    expect(okB).toBe(ok);
    if (ok) expect(b).toEqual(t);
    if (ok && !line.startsWith('a-1 [0] 1.0: lock_acquire')) {
      // and both agree with the string columns the tests of the scanner check
      const e = { comm: '', pid: 0, cpu: 0, flags: '', event: '', fields: 0 };
      expect(readEventLine(line, e)).toBe(true);
      expect(e.pid).toBe(b.pid);
      expect(e.cpu).toBe(b.cpu);
    }
  });

  it('property: any ASCII line scans alike, within its bounds only', () => {
    const piece = fc.constantFrom(
      ' ',
      '-',
      '1',
      '42',
      '[',
      ']',
      '[001]',
      '(',
      ')',
      'a',
      '.',
      ':',
      'd..1.',
      'dNh2',
      '100.5: ',
      'lock_acquire: ',
      'lock_release:',
      'lock:',
      'irq_handler_entry: ',
      '\t',
      '0x1f ',
      'try ',
      'read ',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (ps) => {
        const [okT, t, okB, b] = both(ps.join(''));
        expect(okB).toBe(okT);
        if (okT) expect(b).toEqual(t);
      }),
      runs(300, 0xb17e),
    );
  });
});

describe('the byte scanner with its task-columns memo reads what it reads without', () => {
  /** Each line scanned in one buffer, as in a chunk: [ok, scan] with the memo and without. */
  function scanAll(lines: string[]): [boolean, EventScan][][] {
    const buf = ascii(lines.join('\n'));
    const dv = view(buf);
    const memo = newTaskMemo();
    const out: [boolean, EventScan][][] = [];
    let start = 0;
    for (const line of lines) {
      const end = start + line.length;
      const m = newScan();
      const p = newScan();
      const okM = scanEventBytesMemo(buf, dv, start, end, m, memo);
      const okP = scanEventBytes(buf, dv, start, end, p);
      out.push([
        [okM, m],
        [okP, p],
      ]);
      start = end + 1;
    }
    return out;
  }
  const expectSame = (lines: string[]) => {
    for (const [[okM, m], [okP, p]] of scanAll(lines)) {
      expect(okM).toBe(okP);
      if (okP) expect(m).toEqual(p);
    }
  };

  it.each([
    [
      'the same task columns, then an earlier `-` whose columns now follow',
      ['a-1 [0] x-2 [1] 1.0: e: f', 'a-1 [0] x-2 [1] 1.0: e: g', 'a-1 [0] 2.0: e: f'],
    ],
    [
      'a prefix of the memo that is a line of its own, then a longer pid',
      ['  bash-12 [003] 1.0: lock_acquire: 0x1 a', '  bash-12 [003]', '  bash-123 [003] 1.0: e:'],
    ],
    [
      'same columns, event columns that do not read, then a later `-` that does',
      ['a-1 [0] 1.0: e: f', 'a-1 [0] zz-2 [1] 1.0: e: f', 'a-1 [0] zz-2 [1] x'],
    ],
    [
      'the same bytes but the last: the CPU column does not end',
      ['a-1 [1] 1.0: e: f', 'a-1 [1x 1.0: e: f', 'b-1 [1] 1.0: e: f', 'a-1 [1] 1.0: e: f'],
    ],
    [
      'a tgid, flags, a comm with blanks and dashes',
      [
        'Web Content-77 (   77) [300] d..1. 1.0: irq_handler_entry: irq=1 name=x',
        'Web Content-77 (   77) [300] .... 1.5: irq_handler_exit: irq=1 ret=handled',
        'kworker/u8:3-events-1234 [000] 200.5: lock:lock_release: 0x1 b',
        'kworker/u8:3-events-1234 [000] 200.6: lock:lock_release: 0x1 b',
      ],
    ],
  ])('%s', (_, lines) => expectSame(lines));

  it('property: runs of lines that share their first pieces scan alike', () => {
    const piece = fc.constantFrom(
      ' ',
      '-',
      '1',
      '42',
      '[',
      ']',
      '[001]',
      '(',
      ')',
      '( 7)',
      'a',
      '.',
      ':',
      'd..1.',
      '100.5: ',
      'lock_acquire: ',
      'lock_release:',
      'e:',
      ' 1.0: e: f',
      '\t',
      '0x1f ',
    );
    const pieces = fc.array(piece, { maxLength: 12 });
    // lines that share their first pieces, then often task columns differing in a byte or two
    const columns = fc
      .tuple(
        fc.constantFrom('a', 'a-1', 'b', ''),
        fc.constantFrom('1', '12', '2', ''),
        fc.constantFrom('[0]', '[01]', '[1', '[0x', '( 7) [0]', '[0]x'),
        fc.constantFrom(' 1.0: e: f', ' 1.0:', ' ', ''),
      )
      .map(([comm, pid, cpu, ev]) => `${comm}-${pid} ${cpu}${ev}`);
    const line = fc.tuple(fc.nat(), fc.option(columns), pieces);
    fc.assert(
      fc.property(
        fc.array(pieces, { minLength: 1, maxLength: 3 }),
        fc.array(line, { minLength: 1, maxLength: 30 }),
        (heads, lines) =>
          expectSame(
            lines.map(([h, c, t]) => `${heads[h % heads.length].join('')}${c ?? ''}${t.join('')}`),
          ),
      ),
      runs(300, 0x3e30),
    );
  });
});

/** Byte reads of the byte scanner on one line, counted through a proxy of its bytes. */
function readsFor(line: string): number {
  const buf = ascii(line);
  let n = 0;
  const counted = new Proxy(buf, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.length && key.charCodeAt(0) <= 57) n++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  scanEventBytes(counted, view(buf), 0, buf.length, newScan());
  return n;
}

describe('linear time of the byte scanner (hostile file lines, as issue 15 for text)', () => {
  it('property: each byte is read a bounded number of times', () => {
    assertLinearReads(readsFor, 100, 0x1b7e);
  });
});

/** A random trace: event lines of a few tasks and CPUs, with and without flags, odd lines. */
const traceText = (nonAscii: boolean) => {
  const comm = fc.constantFrom('bash', 'kworker/u8:3-events', 'Web Content', '<idle>', 'a-1');
  const name = fc.constantFrom(
    '&p->pi_lock',
    '&rq->__lock',
    'rcu_read_lock',
    '&zone->lock',
    'tasklist_lock',
    '&mm->mmap_lock',
    '&my_drv->lock',
    ...(nonAscii ? ['caf\u00e9_lock', 'x\u00a0'] : []),
  );
  const flags = fc.constantFrom('', 'd..1. ', '.... ', 'dNh2. ', 'd.s. ', '.Ns1 ', 'D.H. ');
  const fields = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('lock_acquire', 'lock:lock_release', 'lock_release'),
        fc.constantFrom('0xffff8881', '0xFF', 'ab'),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom('', 'try ', 'read ', 'try read '),
        name,
        fc.constantFrom('', ' ', '\r'),
      )
      .map(([e, a, k, tr, n, tail]) => `${e}: ${a}${k} ${tr}${n}${tail}`),
    fc.constantFrom(
      'irq_handler_entry: irq=24 name=eth0',
      'irq_handler_entry: irq=0 name=timer',
      'irq_handler_exit: irq=24 ret=handled',
      'softirq_entry: vec=1',
      'softirq_exit: vec=1',
      'irq_disable: caller=x',
      'irq_enable: caller=x',
      'preempt_disable: caller=x',
      'sched_switch: prev=a',
    ),
  );
  const line = fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(comm, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), flags, fields)
        .map(
          ([c, pid, cpu, f, x]) =>
            `${c.padStart(16)}-${pid} [${String(cpu).padStart(3, '0')}] ${f}1.5: ${x}`,
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('# tracer: nop', 'cpus=4', '', 'junk lock_acquire', '  '),
    },
  );
  // the last line not empty: a file reader sees no line after the last newline, the
  // in-memory reader an empty one
  return fc.array(line, { minLength: 1, maxLength: 60 }).map((ls) => `${ls.join('\n')}\n# end`);
};

async function fromFile(text: string, chunkSize: number) {
  const c = new FtraceConverter(undefined, 'f');
  const events: TraceEvent[] = [];
  await convertFtraceFile(
    file(text),
    c,
    (evs, n) => {
      for (let i = 0; i < n; i++) events.push(evs[i]);
    },
    { chunkSize },
  );
  return { events, summary: c.summary(), locks: c.locks };
}

describe('a file converts as the same text in memory', () => {
  it.each([
    ['ASCII (read as bytes)', false],
    ['with non-ASCII lines (chunks of both kinds)', true],
  ])('property: %s: same events, same summary, same lock declarations', async (_, nonAscii) => {
    await fc.assert(
      fc.asyncProperty(
        traceText(nonAscii),
        fc.constantFrom(64, 256, 1 << 20),
        async (text, size) => {
          const mem = ftraceToTrace(text);
          const got = await fromFile(text, size);
          expect(JSON.stringify(got.events)).toBe(JSON.stringify(mem.trace.events));
          expect(got.summary).toEqual(mem.summary);
          expect(got.locks).toEqual(mem.trace.locks);
        },
      ),
      runs(60, nonAscii ? 0xa5c1 : 0xa5c0),
    );
  });

  it('property: lock fields repeated many times (remembered whole) read as the first time', async () => {
    // few distinct fields, so that most lines repeat one met before: releases before any
    // acquire (unmatched), try/read on kinds that take them and kinds that do not, RCU
    const fields = fc.constantFrom(
      'lock_acquire: 0xffff888100000001 &zone->lock',
      'lock_acquire: 0xffff888100000001 try &zone->lock',
      'lock_acquire: 0xffff888100000001 try read &zone->lock',
      'lock_release: 0xffff888100000001 &zone->lock',
      'lock_acquire: 0xffff888100000002 read tasklist_lock',
      'lock_acquire: 0xffff888100000002 try read tasklist_lock',
      'lock_release: 0xffff888100000002 tasklist_lock',
      'lock_acquire: 0xffffffff82000000 read rcu_read_lock',
      'lock_release: 0xffffffff82000000 rcu_read_lock',
      'lock_release: 0xffffffff82000008 rcu_read_lock',
      'lock_acquire:    0x3 try my_lock ',
      'lock_release:    0x3 my_lock ',
      'lock_acquire: 0x4 &mm->mmap_lock',
      'lock_acquire: 0x4 read &mm->mmap_lock',
      'lock_release: 0x4 &mm->mmap_lock',
      'lock_release: 0x4 bad\u0001name',
      'lock_acquire: 0x5',
      'lock_release: zz y',
    );
    const line = fc
      .tuple(fc.constantFrom('a-1', 'b-2', 'a-3'), fc.integer({ min: 0, max: 1 }), fields)
      .map(([t, cpu, f]) => `${t} [00${cpu}] 1.5: ${f}`);
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 80 }), async (ls) => {
        const text = `${ls.join('\n')}\n# end`;
        const mem = ftraceToTrace(text);
        const got = await fromFile(text, 1 << 20);
        expect(JSON.stringify(got.events)).toBe(JSON.stringify(mem.trace.events));
        expect(got.summary).toEqual(mem.summary);
        expect(got.locks).toEqual(mem.trace.locks);
      }),
      runs(60, 0x7a11),
    );
  });

  it('long names (past the lookup scratch words) that differ in their last byte stay distinct', async () => {
    const a = `${'x'.repeat(300)}a`;
    const b = `${'x'.repeat(300)}b`;
    const lines = [
      `t-1 [000] 1.0: lock_acquire: 0xffff888100000000 ${a}`,
      `t-1 [000] 1.0: lock_acquire: 0xffff888100000000 ${b}`,
      `t-1 [000] 1.0: lock_release: 0xffff888100000000 ${b}`,
      `t-1 [000] 1.0: lock_release: 0xffff888100000000 ${a}`,
      `t-1 [000] 1.0: lock_acquire: 0xffff888100000000 ${a}`,
    ];
    const got = await fromFile(lines.join('\n'), 1 << 20);
    expect(Object.keys(got.locks)).toEqual([`${a}@ffff888100000000`, `${b}@ffff888100000000`]);
    expect(got.summary.unmatchedReleases).toBe(0);
    expect(got.events.map((e) => (e.op === 'lock' || e.op === 'unlock' ? e.lock : ''))).toEqual(
      [a, b, b, a, a].map((n) => `${n}@ffff888100000000`),
    );
  });

  it('thousands of instances of one name stay distinct locks (the hash table grows)', async () => {
    const lines = [];
    for (let i = 0; i < 5000; i++)
      lines.push(`a-1 [000] 1.0: lock_acquire: 0x${i.toString(16)} &zone->lock`);
    for (let i = 4999; i >= 0; i--)
      lines.push(`a-1 [000] 1.0: lock_release: 0x${i.toString(16)} &zone->lock`);
    const got = await fromFile(lines.join('\n'), 1 << 20);
    expect(Object.keys(got.locks)).toHaveLength(5000);
    expect(got.summary.unmatchedReleases).toBe(0);
    expect(got.events.filter((e) => e.op === 'unlock')).toHaveLength(5000);
  });
});
