/**
 * Hostile and odd ftrace input (issue 15): linear time on long runs of blanks, lines cut
 * into chunks, a maximum line length, CPUs beyond 256 (NR_CPUS up to 8192), comms that
 * hold `-`, NUL bytes in lock names, and errors that are always Error objects.
 */
import { assertLinearReads } from '../helpers/linear';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { checkFtraceFile, ftraceToTrace, readEventLine } from '../../src/interop/ftrace';
import { LineSplitter, forEachLine } from '../../src/interop/lineReader';
import { cleanLine } from '../../src/interop/lines';
import { InteropError } from '../../src/interop/errors';

const dir = mkdtempSync(join(tmpdir(), 'lockdep-ftrace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(text: string | Buffer): string {
  const f = join(dir, `t${fileNo++}.txt`);
  writeFileSync(f, text);
  return f;
}

const ev = () => ({ comm: '', pid: 0, cpu: 0, flags: '', event: '', fields: 0 });

describe('the event line scanner (kernel/trace/trace_output.c: comm-pid [cpu] flags ts: event:)', () => {
  it.each([
    [
      '          insmod-1234    [003] d..1.   100.000001: lock_acquire: 0xff a',
      'insmod',
      1234,
      3,
      'd..1.',
    ],
    [
      'kworker/u8:3-events-1234 [000]   200.5: lock:lock_release: 0x1 b',
      'kworker/u8:3-events',
      1234,
      0,
      '',
    ],
    [
      '   Web Content-77  (   77) [300] ....  1.0: irq_handler_entry: irq=1 name=x',
      'Web Content',
      77,
      300,
      '....',
    ],
    ['<idle>-0 [8191] dNh2. 3.25: softirq_entry: vec=1', '<idle>', 0, 8191, 'dNh2.'],
  ])('%s', (line, comm, pid, cpu, flags) => {
    const e = ev();
    expect(readEventLine(line, e)).toBe(true);
    expect(e).toMatchObject({ comm, pid, cpu, flags });
  });

  it('rejects lines that are not events', () => {
    for (const l of [
      '# tracer: nop',
      'cpus=4',
      'a-1 [0] x',
      '-1 [0] 1.0: e: f',
      'a-b [0] 1.0: e: f',
    ])
      expect(readEventLine(l, ev())).toBe(false);
  });
});

/**
 * Work done by the scanner, counted instead of timed: every character access of the
 * line goes through a counting proxy of String.prototype.charCodeAt.
 */
function accessesFor(line: string): number {
  let n = 0;
  const proto = String.prototype as unknown as { charCodeAt: (this: string, i: number) => number };
  const orig = proto.charCodeAt;
  proto.charCodeAt = function (this: string, i: number) {
    n++;
    return orig.call(this, i);
  };
  try {
    readEventLine(line, ev());
  } finally {
    proto.charCodeAt = orig;
  }
  return n;
}

describe('linear time (issue 15: `^\\s*(.+?)-` took minutes on 400k blanks)', () => {
  it('400,000 blanks, with and without a dash, are read at once', () => {
    const conv = ftraceToTrace(`${' '.repeat(400000)}x\na${' '.repeat(400000)}-\n`);
    expect(conv.summary.lines).toBe(3); // the empty line after the last newline too
    expect(cleanLine(`x${' '.repeat(400000)}!${' '.repeat(400000)}`)).toHaveLength(400002);
  });

  it('property: the scanner touches each character a bounded number of times', () => {
    assertLinearReads(accessesFor, 200, 0x10cd);
  });
});

describe('the line reader', () => {
  it('joins a line cut into many chunks, keeping \\r\\n and numbering lines', () => {
    const got: [string, number][] = [];
    const s = new LineSplitter('<t>', (l, n) => got.push([l, n]));
    for (const c of ['ab', 'c\r', '\nd', 'e\nf\r\n', '', 'g']) s.push(Buffer.from(c));
    s.end();
    expect(got).toEqual([
      ['abc', 1],
      ['de', 2],
      ['f', 3],
      ['g', 4],
    ]);
  });

  it('reads each byte of a long line once (no rescan of what is pending)', () => {
    const chunk = Buffer.alloc(1 << 12, 0x61);
    let searched = 0;
    const proto = Buffer.prototype as unknown as {
      indexOf: (this: Buffer, ...args: unknown[]) => number;
    };
    const orig = proto.indexOf;
    proto.indexOf = function (this: Buffer, ...args: unknown[]) {
      searched += this.length;
      return orig.apply(this, args);
    };
    try {
      const s = new LineSplitter('<t>', () => {});
      for (let i = 0; i < 1000; i++) s.push(chunk);
      s.end();
    } finally {
      proto.indexOf = orig;
    }
    expect(searched).toBeLessThanOrEqual(1000 * chunk.length);
  });

  it('a line over the limit is a located error (file:line:col: found, expected)', async () => {
    const f = file(`short\n${'x'.repeat(5000)}\nshort\n`);
    await expect(forEachLine(f, () => {}, { maxLineLength: 1000 })).rejects.toThrow(
      new RegExp(
        `${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:1001: found a line of 5000 bytes, expected at most 1000 \\(--max-line-length`,
      ),
    );
    // across chunks: the error comes before the whole line is held
    await expect(forEachLine(f, () => {}, { maxLineLength: 1000, chunkSize: 64 })).rejects.toThrow(
      /:2:1001: found a line of at least 10\d\d bytes/,
    );
    await expect(checkFtraceFile(f, { maxLineLength: 1000 })).rejects.toBeInstanceOf(InteropError);
  });

  it('reads every line of a file in small chunks (two buffers read in turn), and a callback throw rejects with it', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} ${'y'.repeat(i % 37)}`);
    const f = file(`${text.join('\r\n')}\n`);
    for (const chunkSize of [1, 7, 64, 1 << 20]) {
      const got: string[] = [];
      await expect(forEachLine(f, (l) => got.push(l), { chunkSize })).resolves.toBe(300);
      expect(got).toEqual(text);
    }
    // thrown while the next chunk is being read: that read ends first, then the rejection
    const boom = new Error('boom');
    await expect(
      forEachLine(
        f,
        (_l, n) => {
          if (n === 100) throw boom;
        },
        { chunkSize: 64 },
      ),
    ).rejects.toBe(boom);
  });

  it('invalid UTF-8 is a located error, not U+FFFD', async () => {
    const f = file(Buffer.concat([Buffer.from('ok\nA'), Buffer.from([0xff]), Buffer.from('\n')]));
    await expect(forEachLine(f, () => {})).rejects.toThrow(/:2:2: found invalid UTF-8 \(\\xff\)/);
    const g = file('caf\u00e9\n');
    const lines: string[] = [];
    await forEachLine(g, (l) => lines.push(l));
    expect(lines).toEqual(['caf\u00e9']);
  });
});

const LINE = (task: string, cpu: number, ev: string) =>
  `${task.padStart(16)} [${String(cpu).padStart(3, '0')}] d..1. 100.000001: ${ev}`;

describe('real inputs', () => {
  it('a machine with more than 256 CPUs (NR_CPUS up to 8192) replays', async () => {
    const text = [
      LINE('insmod-1234', 300, 'lock_acquire: 0xffff0001 &zone->lock'),
      LINE('insmod-1234', 300, 'lock_release: 0xffff0001 &zone->lock'),
      LINE('bash-7', 8191, 'lock_acquire: 0xffff0002 &zone->lock'),
    ].join('\n');
    const r = await checkFtraceFile(file(text));
    expect(r.summary.cpus).toBe(8192);
    expect(r.result.events).toBeGreaterThan(0);
    expect(ftraceToTrace(text).trace.config?.cpus).toBe(8192);
  });

  it('a CPU beyond the look-ahead (trace_pipe without a header) makes a second read, same verdict', async () => {
    const lines = [];
    for (let i = 0; i < 200; i++)
      lines.push(
        LINE('a-1', 0, `lock_acquire: 0x${i % 4} &zone->lock`),
        LINE('a-1', 0, `lock_release: 0x${i % 4} &zone->lock`),
      );
    lines.push(LINE('b-2', 40, 'lock_acquire: 0x9 &zone->lock'));
    const f = file(lines.join('\n'));
    const r = await checkFtraceFile(f, { lookaheadLines: 100 });
    expect(r.summary.cpus).toBe(41);
    expect(r.header.config?.cpus).toBe(41);
    expect(r.summary.lockEvents).toBe(401);
    const all = await checkFtraceFile(f);
    expect(all.result).toEqual(r.result);
  });

  it('a comm holding `-` keeps it; tasks are counted by pid', () => {
    const { trace, summary } = ftraceToTrace(
      [
        LINE('kworker/u8:3-events-1234', 0, 'lock_acquire: 0x1 a'),
        LINE('renamed-1234', 0, 'lock_release: 0x1 a'),
        LINE('insmod-99', 1, 'lock_acquire: 0x2 b'),
      ].join('\n'),
    );
    expect(summary.tasks).toBe(2);
    expect(trace.events.filter((e) => /lock/.test(e.op)).map((e) => e.task)).toEqual([
      'kworker/u8:3-events-1234',
      'kworker/u8:3-events-1234',
      'insmod-99',
    ]);
  });

  it('a NUL in a lock name is a located error', async () => {
    const text = `${LINE('a-1', 0, 'lock_acquire: 0x1 bad\0name')}\n`;
    expect(() => ftraceToTrace(text)).toThrow(/<ftrace>:1:\d+: found a NUL byte in lock name/);
    const f = file(text);
    await expect(checkFtraceFile(f)).rejects.toThrow(
      new RegExp(`t\\d+\\.txt:1:${text.indexOf('\0') + 1}: found a NUL`),
    );
  });

  it('a failing read rejects with an Error, never a bare object', async () => {
    const e: unknown = await checkFtraceFile(join(dir, 'missing.txt')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    // a configuration the kernel refuses: a located InteropError, not a bare TraceIssue
    const f = file(LINE('a-1', 0, 'lock_acquire: 0x1 &zone->lock'));
    const bad: unknown = await checkFtraceFile(f, {
      overrides: { preempt: 'bogus' as never },
    }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(InteropError);
    expect((bad as Error).message).toMatch(/t\d+\.txt: .*preempt/);
  });
});
