/**
 * JSON Lines traces: the header line, then one event per line, read as a stream.
 * Errors name the line of the event; the same trace as a JSON document gives the same
 * reports; chunk boundaries do not matter.
 */
import * as path from 'path';
import {
  checkResultToJson,
  parseTrace,
  replayTrace,
  replayTraceFile,
  serializeTrace,
  TraceError,
  TraceReader,
  type Trace,
  type TraceEvent,
} from '../../src';
import { rejected } from '../helpers/errors';
import { useTempDir } from '../helpers/tmp';

const TRACE: Trace = {
  'lockdep-trace': 1,
  description: 'raw -> spinlock, twice on two tasks',
  locks: { raw: { type: 'raw_spinlock' }, spin: { type: 'spinlock' } },
  events: [
    { op: 'lock', lock: 'raw' },
    { op: 'lock', lock: 'spin' },
    { op: 'unlock', lock: 'spin' },
    { op: 'unlock', lock: 'raw' },
    { op: 'lock', lock: 'raw', task: 'worker', cpu: 1 },
    { op: 'might_sleep', task: 'worker', cpu: 1 },
    { op: 'unlock', lock: 'raw', task: 'worker', cpu: 1 },
  ],
};

const tmp = useTempDir('jsonl');
const write = (name: string, text: string): string => tmp.write(name, text);

async function fileError(text: string): Promise<string> {
  const f = write('bad.jsonl', text);
  const e = await rejected(() => replayTraceFile(f));
  expect(e).toBeInstanceOf(TraceError);
  return (e as Error).message.slice(tmp.path.length + 1);
}

describe('JSON Lines traces', () => {
  it('stream from a file with the same reports as the JSON document', async () => {
    const f = write('t.jsonl', serializeTrace(TRACE, 'jsonl'));
    const streamed = checkResultToJson(await replayTraceFile(f));
    expect(streamed).toEqual(checkResultToJson(replayTrace(TRACE)));
    expect(streamed.summary).toEqual({ events: 7, violations: 2, suppressed: 0 });
    expect(streamed.violations.map((v) => [v.kind, v.event, v.task])).toEqual([
      ['invalid-wait-context', 1, 'init'],
      ['sleeping-in-atomic', 5, 'worker'],
    ]);
  });

  it('accept blank lines, CRLF line ends and a byte order mark', () => {
    const text = `\ufeff${serializeTrace(TRACE, 'jsonl').split('\n').join('\r\n\r\n')}`;
    expect(parseTrace(text)).toEqual(TRACE);
  });

  it('read the same whatever the chunk boundaries', () => {
    const text = serializeTrace(TRACE, 'jsonl');
    const seen: TraceEvent[] = [];
    const r = new TraceReader('t', { header: () => {}, event: (ev) => void seen.push(ev) });
    for (const ch of text) r.push(ch);
    r.end();
    expect(seen).toEqual(TRACE.events);
  });

  it('a header line alone is a trace with no events', () => {
    const t = parseTrace('{"lockdep-trace": 1}\n');
    expect(t.events).toEqual([]);
  });

  it.each([
    [
      'an unknown op on line 3',
      '{"lockdep-trace": 1, "locks": {"a": {"type": "mutex"}}}\n{"op": "lock", "lock": "a"}\n{"op": "lokc", "lock": "a"}\n',
      'bad.jsonl:3:8: /events/1/op: found "lokc", expected an op (did you mean "lock"?): ',
    ],
    [
      'malformed JSON on line 2',
      '{"lockdep-trace": 1}\n{"op": "irq_disable"\n',
      "bad.jsonl:2:21: /events/0: found end of line, expected ',' or '}'",
    ],
    [
      'a blank line does not shift the event index',
      '{"lockdep-trace": 1}\n\n{"op": "irq_disable"}\n\n{"op": "irq_enable", "cpu": "1"}\n',
      'bad.jsonl:5:29: /events/1/cpu: found "1", expected an integer in 0..8191',
    ],
    // a first line with "events" is a one-line JSON document: what follows cannot be
    [
      'events in the header',
      '{"lockdep-trace": 1, "events": []}\n{"op": "irq_disable"}\n',
      "bad.jsonl:2:1: (document): found '{', expected end of input (one JSON value per document)",
    ],
    [
      'an unknown lock',
      '{"lockdep-trace": 1}\n{"op": "unlock", "lock": "x"}\n',
      'bad.jsonl:2:26: /events/0/lock: found "x", expected a lock declared in "locks" (rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched)',
    ],
    [
      'a duplicate member',
      '{"lockdep-trace": 1}\n{"op": "irq_disable", "op": "irq_enable"}\n',
      'bad.jsonl:2:23: /events/0: found "op" a second time, expected each member name once per object',
    ],
    [
      'an unsupported version header',
      '{"lockdep-trace": 3}\n{"op": "irq_disable"}\n',
      'bad.jsonl:1:19: /lockdep-trace: found version 3, expected version 1 (the only one this lockdep reads)',
    ],
  ])('locate %s', async (_name, text, message) => {
    expect(await fileError(text)).toContain(message);
  });

  it('report an unreadable file as an io error without a stack', async () => {
    await expect(replayTraceFile(path.join(tmp.path, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read the trace: no such file$/,
    );
  });
});
