/**
 * Importing ftrace text (trace buffer with latency flags, and `trace-cmd report`):
 * interleaved CPUs, irq entry/exit, softirqs, trylocks, the class table and unknown names.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  globMatcher,
  lookupClass,
  parseClassTable,
  parseClassTableText,
} from '../../src/interop/classTable';
import { checkFtraceFile, formatFtraceSummary, ftraceToTrace } from '../../src/interop/ftrace';
import { InteropError } from '../../src/interop/errors';
import { replayTrace } from '../../src/interop/replay';

const DIR = join(__dirname, '..', 'fixtures', 'ftrace');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const classes = parseClassTable(JSON.parse(read('classes.json')));

function rows(violations: readonly { kind: string; lock?: { name: string } }[]): string[] {
  return violations.map((v) => `${v.kind} ${'lock' in v && v.lock ? v.lock.name : '-'}`);
}

describe('trace buffer text with latency flags (mixed.txt)', () => {
  it('groups events by task and CPU and turns the flags into irq state and contexts', () => {
    const { trace, summary } = ftraceToTrace(read('mixed.txt'), classes);
    expect(summary.tasks).toBe(2);
    expect(summary.cpus).toBe(2);
    const kw = trace.events.filter((e) => e.task === 'kworker/0:1-23');
    expect(kw.every((e) => e.cpu === 0)).toBe(true);
    expect(kw[0]).toMatchObject({ op: 'irq_disable' });
    const bash = trace.events.filter((e) => e.task === 'bash-1234').map((e) => e.op);
    expect(bash.slice(0, 5)).toEqual(['lock', 'irq_enter', 'lock', 'unlock', 'irq_exit']);
    // the timer interrupt is a per-CPU interrupt: never threaded
    expect(trace.events.find((e) => e.op === 'irq_enter')).toMatchObject({ threaded: false });
    // the trylock keeps its flag
    expect(
      trace.events.find((e) => e.lock === '&p->alloc_lock@ffff888100a00040' && e.op === 'lock'),
    ).toMatchObject({ try: true });
    // a release of a lock taken before the trace began is skipped and counted
    expect(summary.unmatchedReleases).toBe(1);
  });

  it('replays to the expected reports: spinlock_t under raw_spinlock_t, spinlock_t in a non-threaded hardirq; the trylock is exempt', () => {
    const { trace } = ftraceToTrace(read('mixed.txt'), classes);
    const full = replayTrace(trace, { preempt: 'full', proveRawLockNesting: true }).violations;
    expect(rows(full as never)).toEqual([
      'invalid-wait-context &n->list_lock',
      'invalid-wait-context &zone->lock',
    ]);
    expect(replayTrace(trace, { preempt: 'full', proveRawLockNesting: false }).violations).toEqual(
      [],
    );
  });

  it('lists unknown lock names instead of guessing, and replays them unchecked', () => {
    const { trace, summary } = ftraceToTrace(read('mixed.txt'));
    expect(summary.unknownLocks.map((u) => u.name).sort()).toEqual([
      '&my_drv->lock',
      '&p->alloc_lock',
      '&priv->mtx',
    ]);
    expect(trace.locks?.['&priv->mtx@ffff888104b00000']).toEqual({
      wait: { inner: 'inv' },
      class: '&priv->mtx',
    });
    expect(formatFtraceSummary(summary).join('\n')).toMatch(
      /unknown lock names .*: 3\n {2}&my_drv->lock \(2 events\)/,
    );
    // with the class table, nothing is unknown
    expect(ftraceToTrace(read('mixed.txt'), classes).summary.unknownLocks).toEqual([]);
  });
});

describe('trace-cmd report text without flags (trace-cmd.txt)', () => {
  const { trace } = ftraceToTrace(read('trace-cmd.txt'), classes);
  it('a mutex in a threadable irq handler and in a softirq: invalid without RT; on RT too, the handler body being a threaded hardirq (a trylock under raw is exempt)', () => {
    const full = replayTrace(trace, { preempt: 'full', proveRawLockNesting: true }).violations;
    // ... and used in a hardirq and then with hardirqs enabled (in the softirq): inconsistent lock state
    expect(new Set(rows(full as never))).toEqual(
      new Set([
        'invalid-wait-context &priv->mtx',
        'sleeping-in-atomic -',
        'inconsistent-lock-state &priv->mtx',
      ]),
    );
    const rt = replayTrace(trace, { preempt: 'rt', proveRawLockNesting: true }).violations;
    // on RT: the softirq one (local_bh is CONFIG), and since 35328dc the threaded handler's
    // body is judged as a threaded hardirq there too (context CONFIG < the mutex's SLEEP)
    const iwc = rt.filter((v) => v.kind === 'invalid-wait-context');
    expect(iwc).toHaveLength(2);
    expect(
      iwc.some(
        (v) => v.kind === 'invalid-wait-context' && v.held.some((h) => h.name === 'local_bh'),
      ),
    ).toBe(true);
  });
});

describe('streaming replay of a file', () => {
  it('replays in two passes with progress callbacks and the same verdict as in memory', async () => {
    const progress: number[] = [];
    const r = await checkFtraceFile(join(DIR, 'mixed.txt'), {
      classes,
      overrides: { preempt: 'full', proveRawLockNesting: true },
      onProgress: (n) => progress.push(n),
      progressEvery: 5,
    });
    expect(rows(r.result.violations as never)).toEqual([
      'invalid-wait-context &n->list_lock',
      'invalid-wait-context &zone->lock',
    ]);
    expect(progress.length).toBeGreaterThan(2);
    expect(r.summary.unknownLocks).toEqual([]);
  });
});

describe('class table', () => {
  it('rejects a bad entry with its path', () => {
    expect(() => parseClassTable({ classes: { x: 'spinlok' } })).toThrow(InteropError);
    expect(() => parseClassTable({ classes: { x: 'spinlok' } })).toThrow(
      /classes\.x: unknown lock type "spinlok"/,
    );
    // patterns are globs (issue 15): a regular expression is refused, not run
    expect(() => parseClassTable({ patterns: [{ match: '(a+)+$', type: 'mutex' }] })).toThrow(
      /patterns\[0\]\.match: found "\(a\+\)\+\$", a regular expression; expected a glob/,
    );
  });
  it('rejects members an entry does not have instead of dropping them', () => {
    expect(() => parseClassTable({ classes: { x: { type: 'mutex', junk: 1 } } })).toThrow(
      /classes\.x: unknown member "junk"/,
    );
    expect(() =>
      parseClassTable({ classes: { x: { wait: { inner: 'spin' }, lockTyp: 'percpu' } } }),
    ).toThrow(/unknown member "lockTyp"/);
  });
  it('accepts a flat map and explicit wait types', () => {
    const t = parseClassTable({ a: 'mutex', b: { wait: { inner: 'spin', outer: 'free' } } });
    expect(t.names.get('a')).toEqual({ kind: 'primitive', type: 'mutex' });
    expect(t.names.get('b')).toEqual({
      kind: 'map',
      decl: { wait: { inner: 'spin', outer: 'free' } },
    });
  });
});

describe('class table patterns are globs, errors are located (issue 15)', () => {
  it.each([
    ['*mtx', '&priv->mtx', true],
    ['*mtx', '&priv->mtx2', false],
    ['&?->lock', '&n->lock', true],
    ['&?->lock', '&nn->lock', false],
    ['(wq_completion)*', '(wq_completion)events', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['krc.lock', 'krcXlock', false],
    ['*', '', true],
  ])('%s ~ %s: %s', (glob, name, want) => {
    expect(globMatcher(glob).test(name)).toBe(want);
  });

  it('a hostile pattern on a long name costs no more than name x pattern', () => {
    const t = parseClassTable({ patterns: [{ match: '*a*a*a*a*a*b', type: 'mutex' }] });
    expect(lookupClass(t, 'a'.repeat(200000))).toBeNull();
    expect(lookupClass(t, `${'a'.repeat(10)}b`)).toEqual({ kind: 'primitive', type: 'mutex' });
  });

  it('JSON and member errors name file:line:col', () => {
    expect(() => parseClassTableText('{\n  "a": "mutex",\n}', 'c.json')).toThrow(
      /^c\.json:3:1: found '\}', expected/,
    );
    expect(() =>
      parseClassTableText('{\n  "classes": {\n    "x": "spinlok"\n  }\n}', 'c.json'),
    ).toThrow(/^c\.json:3:10: classes\.x: unknown lock type "spinlok"/);
    expect(() =>
      parseClassTableText('{ "patterns": [\n  { "match": "mtx$", "type": "mutex" } ] }', 'c.json'),
    ).toThrow(/^c\.json:2:14: patterns\[0\]\.match: found "mtx\$", a regular expression/);
    expect(() =>
      parseClassTableText('{"classes": {"x": {"type": "mutex",\n "junk": 1}}}', 'c.json'),
    ).toThrow(/^c\.json:2:2: classes\.x: unknown member "junk"/);
  });
});
