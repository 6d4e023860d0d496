/**
 * Bad input: every malformed trace gets one TraceError naming file:line:column, the JSON
 * pointer, what was found and what was expected (issue 3: unknown op, unknown lock,
 * wrong type, malformed JSON, unsupported version, ...). Messages are pinned exactly.
 */
import { OPS, replayTrace, TraceError } from '../../src';

const H =
  '{"lockdep-trace": 1, "locks": {"A": {"type": "spinlock"}, "R": {"type": "raw_spinlock"}, "M": {"type": "mutex"}}, "events": [\n';
const ev = (...lines: string[]) => H + lines.join(',\n') + '\n]}';

const CASES: [name: string, text: string, code: string, message: string][] = [
  [
    'malformed json',
    '{"lockdep-trace": 1, "events": [\n  {"op": "lock",, "lock": "A"}\n]}',
    'malformed-json',
    "t.json:2:17: (document): found ',', expected a member name in double quotes",
  ],
  [
    'truncated',
    '{"lockdep-trace": 1, "events": [\n  {"op": "lock"',
    'malformed-json',
    "t.json:2:16: (document): found end of input, expected ',' or '}'",
  ],
  [
    'missing events',
    '{\n  "lockdep-trace": 1\n}',
    'missing-field',
    't.json:1:1: (document): found no "events" member, expected an "events" array (or a JSON Lines trace: header line, then one event per line)',
  ],
  [
    'not object',
    '[1, 2]',
    'wrong-type',
    't.json:1:1: (document): found an array, expected a trace object with "lockdep-trace": 1',
  ],
  [
    'no version',
    '{"events": []}',
    'unsupported-version',
    't.json:1:1: (document): found no "lockdep-trace" member, expected a trace object with "lockdep-trace": 1',
  ],
  [
    'version 2',
    '{"lockdep-trace": 2, "events": []}',
    'unsupported-version',
    't.json:1:19: /lockdep-trace: found version 2, expected version 1 (the only one this lockdep reads)',
  ],
  [
    'version string',
    '{"lockdep-trace": "1", "events": []}',
    'wrong-type',
    't.json:1:19: /lockdep-trace: found "1", expected the format version 1',
  ],
  [
    'unknown op',
    ev('  {"op": "lok", "lock": "A"}'),
    'unknown-op',
    `t.json:2:10: /events/0/op: found "lok", expected an op (did you mean "lock"?): ${Object.keys(OPS).sort().join(', ')}`,
  ],
  [
    'unknown lock',
    ev('  {"op": "lock", "lock": "B"}'),
    'unknown-lock',
    't.json:2:26: /events/0/lock: found "B", expected a lock declared in "locks" (rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched, A, R, M)',
  ],
  [
    'wrong type read',
    ev('  {"op": "lock", "lock": "A", "try": "yes"}'),
    'wrong-type',
    't.json:2:38: /events/0/try: found "yes", expected true or false',
  ],
  [
    'unknown field',
    ev('  {"op": "lock", "lock": "A", "irqsave": true}'),
    'unknown-field',
    't.json:2:31: /events/0/irqsave: found member "irqsave", expected a member of "lock": task, cpu, pid, lock, read, try, subclass, nest, at',
  ],
  [
    'missing lock',
    ev('  {"op": "unlock"}'),
    'missing-field',
    't.json:2:3: /events/0: found no "lock" member, expected "lock": the name of a lock declared in "locks"',
  ],
  [
    'read on spinlock',
    ev('  {"op": "lock", "lock": "A", "read": true}'),
    'unsupported-field',
    't.json:2:39: /events/0/read: found "read": true, expected no "read" member: this lock has no read side (lock type spinlock)',
  ],
  [
    'bad lock type',
    '{"lockdep-trace": 1, "locks": {"A": {"type": "semaphore"}}, "events": []}',
    'wrong-type',
    't.json:1:46: /locks/A/type: found "semaphore", expected a lock type: raw_spinlock, spinlock, rwlock, local_lock, mutex, rwsem, rt_mutex, srcu, seqcount, percpu_rwsem',
  ],
  [
    'bad wait',
    '{"lockdep-trace": 1, "locks": {"A": {"wait": {"inner": "spinning"}}}, "events": []}',
    'wrong-type',
    't.json:1:56: /locks/A/wait/inner: found "spinning", expected one of "inv", "free", "spin", "config", "sleep"',
  ],
  [
    'bad preempt',
    '{"lockdep-trace": 1, "config": {"preempt": "fast"}, "events": []}',
    'wrong-type',
    't.json:1:44: /config/preempt: found "fast", expected one of "none", "voluntary", "full", "rt"',
  ],
  [
    'contradictory limits',
    '{"lockdep-trace": 1, "config": {"limits": {"maxChains": 100, "maxChainHlocks": 50}}, "events": []}',
    'invalid-config',
    't.json:1:80: /config/limits/maxChainHlocks: invalid kernel config: limits.maxChainHlocks: 50 is below limits.maxChains (100): every cached chain needs at least one class slot',
  ],
  [
    'rt threadirqs false',
    '{"lockdep-trace": 1, "config": {"preempt": "rt", "threadirqs": false}, "events": []}',
    'invalid-config',
    't.json:1:64: /config/threadirqs: invalid kernel config: threadirqs: PREEMPT_RT forces threaded interrupts; threadirqs: false contradicts preempt: "rt"',
  ],
  [
    'duplicate key',
    ev('  {"op": "lock", "lock": "A", "lock": "R"}'),
    'malformed-json',
    't.json:2:31: (document): found "lock" a second time, expected each member name once per object',
  ],
  [
    'negative cpu',
    ev('  {"op": "irq_disable", "cpu": -1}'),
    'wrong-type',
    't.json:2:32: /events/0/cpu: found -1, expected an integer in 0..8191',
  ],
  [
    'cpu out of range',
    ev('  {"op": "irq_disable", "cpu": 7}'),
    'replay',
    't.json:2:32: /events/0/cpu: found 7, expected a CPU of this kernel, 0..1 (config cpus: 2)',
  ],
  [
    'failed trylock',
    ev(
      '  {"op": "lock", "lock": "A", "task": "t1"}',
      '  {"op": "lock", "lock": "A", "try": true, "task": "t2", "cpu": 1}',
    ),
    'replay',
    't.json:3:38: /events/1/try: the trylock of A fails in the model (the lock is taken); a trace records successful trylocks only',
  ],
  [
    'exited task',
    ev('  {"op": "task_exit", "task": "w"}', '  {"op": "irq_disable", "task": "w"}'),
    'replay',
    't.json:3:3: /events/1: task w has exited',
  ],
  [
    'event not object',
    ev('  "lock A"'),
    'wrong-type',
    't.json:2:3: /events/0: found "lock A", expected an event object with an "op" member',
  ],
  [
    'op missing',
    ev('  {"lock": "A"}'),
    'missing-field',
    't.json:2:3: /events/0: found no "op" member, expected an event object with an "op" member',
  ],
  [
    'unknown header',
    '{"lockdep-trace": 1, "events": [], "comment": "x"}',
    'unknown-field',
    't.json:1:36: /comment: found member "comment", expected a trace member: lockdep-trace, description, config, locks, expect, meta, events, $schema',
  ],
  [
    'predeclared rcu',
    '{"lockdep-trace": 1, "locks": {"rcu_read_lock": {"type": "spinlock"}}, "events": []}',
    'wrong-type',
    't.json:1:32: /locks/rcu_read_lock: found a declaration of "rcu_read_lock", expected a name other than the predeclared RCU maps (rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched)',
  ],
  [
    'try on srcu',
    '{"lockdep-trace": 1, "locks": {"S": {"type": "srcu"}}, "events": [{"op": "lock", "lock": "S", "try": true}]}',
    'unsupported-field',
    't.json:1:102: /events/0/try: found "try": true, expected no "try" member: this lock has no trylock (lock type srcu)',
  ],
  [
    'nest on rwlock',
    '{"lockdep-trace": 1, "locks": {"W": {"type": "rwlock"}, "A": {"type": "spinlock"}}, "events": [{"op": "lock", "lock": "W", "nest": "A"}]}',
    'unsupported-field',
    't.json:1:132: /events/0/nest: found "nest": "A", expected no "nest" member: this lock has no _nest_lock() variant (lock type rwlock)',
  ],
  [
    'subclass float',
    ev('  {"op": "lock", "lock": "A", "subclass": 1.5}'),
    'wrong-type',
    't.json:2:43: /events/0/subclass: found 1.5, expected an integer in 0..4294967295',
  ],
  [
    'empty',
    '',
    'malformed-json',
    't.json:1:1: (document): found end of input, expected a JSON value (object, array, string, number, true, false or null)',
  ],
  [
    'control char',
    '{"lockdep-trace": 1, "description": "a\tb", "events": []}',
    'malformed-json',
    't.json:1:39: (document): found U+0009, expected a character of a string (control characters must be escaped, e.g. \\n)',
  ],
];

describe('malformed traces', () => {
  it('has at least 15 distinct cases', () => {
    expect(new Set(CASES.map((c) => c[2])).size).toBeGreaterThanOrEqual(8);
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('%s', (_name, text, code, message) => {
    let err: unknown;
    try {
      replayTrace(text, { file: 't.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    const te = err as TraceError;
    expect(te.message).toBe(message);
    expect(te.traceCode).toBe(code);
    expect(te.message.startsWith(`t.json:${te.line}:${te.column}: `)).toBe(true);
  });
});
