/**
 * Hostile trace input (issue 15): invalid UTF-8 is a located error, a JSON document too
 * large to parse whole says to use JSON Lines, a line too long is an error, and exited
 * tasks are freed (only their name stays, for the "task has exited" error).
 */
import { createKernel, parseTrace, replayTrace, replayTraceFile, TraceError } from '../../src';
import { UsageError } from '../../src/core/errors';
import { MAX_DOCUMENT_LENGTH, MAX_LINE_LENGTH } from '../../src/trace/reader';
import { runCli } from '../cli/helpers';
import { rejected, thrownAs } from '../helpers/errors';
import { useTempDir } from '../helpers/tmp';

const dir = useTempDir('hostile');

const HEAD = '{"lockdep-trace":1,"locks":{"A';
const TAIL = '":{"type":"spinlock"}},"events":[]}\n';

describe('invalid UTF-8 is an error at its line and column, not U+FFFD', () => {
  it.each([
    ['0xFF (never in UTF-8)', [0xff]],
    ['0xFE (never in UTF-8)', [0xfe]],
    ['a lone continuation byte', [0x80]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['a UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['a sequence cut short (E2 82 then "x")', [0xe2, 0x82, 0x78]],
  ])('%s in a lock name (JSON document)', async (_what, bad) => {
    const f = dir.write(
      'bad.json',
      Buffer.concat([Buffer.from(HEAD), Buffer.from(bad), Buffer.from(TAIL)]),
    );
    const e = await rejected(() => replayTraceFile(f));
    expect(e).toBeInstanceOf(TraceError);
    const te = e as TraceError;
    expect(te.traceCode).toBe('invalid-utf8');
    expect([te.line, te.column]).toEqual([1, HEAD.length + 1]);
    expect(te.message).toMatch(/^.*bad\.json:1:\d+: \(document\): found byte 0x[0-9A-F]{2} /);
  });

  it('"A\\xff" and "A\\xfe" are both rejected rather than read as the same lock', async () => {
    const ff = dir.write(
      'ff.json',
      Buffer.concat([Buffer.from(HEAD), Buffer.from([0xff]), Buffer.from(TAIL)]),
    );
    const fe = dir.write(
      'fe.json',
      Buffer.concat([Buffer.from(HEAD), Buffer.from([0xfe]), Buffer.from(TAIL)]),
    );
    for (const f of [ff, fe])
      expect(await rejected(() => replayTraceFile(f))).toBeInstanceOf(TraceError);
  });

  it('in JSON Lines, on a later line and at the very end of the file', async () => {
    const lines = [
      '{"lockdep-trace":1,"locks":{"A":{"type":"spinlock"}}}',
      '{"op":"lock","lock":"A"}',
      '{"op":"unlock","lock":"A","at":"x',
    ];
    const f = dir.write(
      'bad.jsonl',
      Buffer.concat([Buffer.from(lines.join('\n')), Buffer.from([0xe2, 0x82])]),
    );
    const te = (await rejected(() => replayTraceFile(f))) as TraceError;
    expect([te.traceCode, te.line, te.column]).toEqual(['invalid-utf8', 3, lines[2].length + 1]);
  });

  it('after ASCII chunks read without the decoder, a bad byte chunks later is still located', async () => {
    // 1 MiB chunks: a multi-byte name in the first, ASCII chunks after, 0xFF in the fourth
    const header =
      '{"lockdep-trace":1,"locks":{"A\u00e9":{"type":"spinlock"},"B":{"type":"mutex"}}}';
    const event = '{"op":"lock","lock":"B"}\n{"op":"unlock","lock":"B"}\n';
    const body = event.repeat(Math.ceil((3.5 * (1 << 20)) / event.length));
    const head = `${header}\n{"op":"lock","lock":"A\u00e9"}\n{"op":"unlock","lock":"A\u00e9"}\n${body}`;
    const bad = '{"op":"lock","lock":"B","at":"x';
    const f = dir.write(
      'late.jsonl',
      Buffer.concat([
        Buffer.from(head),
        Buffer.from(bad),
        Buffer.from([0xff]),
        Buffer.from('"}\n'),
      ]),
    );
    expect(Buffer.byteLength(head)).toBeGreaterThan(3 * (1 << 20));
    const te = (await rejected(() => replayTraceFile(f))) as TraceError;
    const line = head.split('\n').length;
    expect([te.traceCode, te.line, te.column]).toEqual(['invalid-utf8', line, bad.length + 1]);
    // and the same file without the bad byte replays every event
    const ok = dir.write('late-ok.jsonl', `${head}${bad}"}\n`);
    expect((await replayTraceFile(ok)).events).toBe(head.split('\n').length - 1);
  });

  it('valid multi-byte names are read as they are, also across read chunks', async () => {
    // 1 MiB chunks: put a 4-byte character across the first boundary
    const prefix = '{"lockdep-trace":1,"locks":{';
    const pad = ' '.repeat((1 << 20) - 2 - 2 - prefix.length);
    const text = `${prefix}${pad}"A\u{1F512}é${TAIL}`;
    const f = dir.write('ok.json', text);
    const r = await replayTraceFile(f);
    expect(r.events).toBe(0);
    expect(parseTrace(text).locks).toHaveProperty(['A\u{1F512}é']);
  });
});

describe('size limits (docs/trace-format.md)', () => {
  it(`a JSON document over ${MAX_DOCUMENT_LENGTH / (1 << 20)} MiB is refused before it is parsed: use JSON Lines`, () => {
    const big = `{"lockdep-trace":1,"events":[${' '.repeat(MAX_DOCUMENT_LENGTH)}]}`;
    const e = thrownAs(TraceError, () => parseTrace(big, 'big.json'));
    expect(e.traceCode).toBe('too-large');
    expect(e.message).toMatch(
      /^big\.json:1:1: \(document\): found a JSON document larger than 64 MiB, expected JSON Lines .*use JSON Lines/,
    );
  });

  it('the CLI exits 2 on it with that one line', async () => {
    const f = dir.write(
      'big.json',
      `{"lockdep-trace":1,"events":[${' '.repeat(MAX_DOCUMENT_LENGTH)}]}`,
    );
    const r = await runCli(['check', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('use JSON Lines');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it(`a JSON Lines line over ${MAX_LINE_LENGTH / (1 << 20)} MiB is an error at that line`, () => {
    const text = `{"lockdep-trace":1}\n{"op":"switch"}\n{"op":"schedule","reason":"${'x'.repeat(MAX_LINE_LENGTH)}"}\n`;
    const e = thrownAs(TraceError, () => replayTrace(text, { file: 'long.jsonl' }));
    expect([e.traceCode, e.line, e.pointer]).toEqual(['too-large', 3, '/events/1']);
  });
});

describe('exited tasks are freed (do_exit() then release_task())', () => {
  it('a kernel keeps no task object for exited tasks, only their names', () => {
    const k = createKernel();
    const l = k.spinlock('l');
    for (let i = 0; i < 1000; i++) {
      k.switchTo(`t${i}`);
      l.lock();
      l.unlock();
      k.exitTask();
    }
    expect(k.machine.tasks.map((t) => t.comm)).toEqual(['init']);
    expect(k.violations).toEqual([]);
    // what an exited task's later mention needs: its name, for the error
    expect(thrownAs(UsageError, () => k.switchTo('t7')).message).toBe('task t7 has exited');
    expect(thrownAs(UsageError, () => k.exitTask('t7')).message).toBe('task t7 has already exited');
  });

  it('a replayed event for an exited task is still a located replay error', () => {
    const e = thrownAs(TraceError, () =>
      replayTrace(
        '{"lockdep-trace":1}\n{"op":"task_exit","task":"w"}\n{"op":"switch","task":"w"}\n',
        { file: 't.jsonl' },
      ),
    );
    expect(e.message).toBe('t.jsonl:3:1: /events/1: task w has exited');
  });
});
