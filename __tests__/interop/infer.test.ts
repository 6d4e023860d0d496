/**
 * What `explain` reads from a report before it guesses (src/interop/infer.ts): the
 * acquisition site and call-trace frames (which lock function took the lock), the printed
 * wait types of every class, irq usage, the release (the PROVE_RAW_LOCK_NESTING default
 * changed in v6.13) and the preemption model on the CPU line. Where the report cannot tell
 * the numbering, both readings are shown, and a `{3:3}` lock is never called spinlock_t.
 */
import {
  explainText,
  explanationToJson,
  formatExplanation,
  type ExplainedReport,
  type ExplainOptions,
} from '../../src/interop/explain';
import { kernelVersion } from '../../src/interop/infer';

interface Recursive {
  release?: string;
  name?: string;
  usage?: string;
  wait?: string;
  /** the `at:` site of both lock lines */
  at?: string;
  /** the rest of the CPU line after the release (`#1 PREEMPT(full)`) */
  cpuTail?: string;
  /** call-trace frames, innermost first */
  frames?: readonly string[];
}

/** print_deadlock_bug() (kernel/locking/lockdep.c), as a v6.x kernel prints it. */
function recursiveReport(o: Recursive = {}): string {
  const release = o.release ?? '6.9.0';
  const lock = `(${o.name ?? '&ctx->lock'}){${o.usage ?? '+.+.'}}-{${o.wait ?? '3:3'}}, at: ${o.at ?? 'ctx_merge+0x30/0x90'}`;
  return [
    '============================================',
    'WARNING: possible recursive locking detected',
    `${release} #1 Not tainted`,
    '--------------------------------------------',
    'modprobe/311 is trying to acquire lock:',
    `ffff888104a0c318 ${lock}`,
    '',
    'but task is already holding lock:',
    `ffff888104a0c118 ${lock}`,
    '',
    'other info that might help us debug this:',
    '1 lock held by modprobe/311:',
    ` #0: ffff888104a0c118 ${lock}`,
    '',
    'stack backtrace:',
    `CPU: 1 UID: 0 PID: 311 Comm: modprobe Not tainted ${release} ${o.cpuTail ?? '#1'}`,
    'Call Trace:',
    ' <TASK>',
    ...(o.frames ?? ['dump_stack_lvl+0x1/0x2', 'ctx_merge+0x30/0x90']).map((f) => ` ${f}`),
    ' </TASK>',
  ].join('\n');
}

function explainOne(text: string, options: ExplainOptions = {}): ExplainedReport {
  const res = explainText(text, options);
  const r = res.reports[0];
  if (!r.ok) throw new Error(`not explained: line ${r.line}: ${r.message}`);
  return r;
}

describe('the primitive from how the lock was taken (lockEvidence: sites, then call-trace frames)', () => {
  it.each([
    // row, report, type, =y?, what it mirrors
    [
      'rust/helpers/mutex.c rust_helper_mutex_lock() is mutex_lock(): a mutex printed {3:3} is =n',
      { at: 'rust_helper_mutex_lock+0x10/0x18' },
      'mutex',
      false,
    ],
    [
      'rust_helper_spin_lock() is spin_lock() on a spinlock_t: printed {3:3}, =y',
      { at: 'rust_helper_spin_lock+0x10/0x18' },
      'spinlock',
      true,
    ],
    [
      'kernel/locking/rwsem.c down_read(): an rw_semaphore printed {3:3} is =n',
      { at: 'down_read+0x4a/0x2f0', name: '&ctx->obj' },
      'rwsem',
      false,
    ],
    [
      'kernel/locking/spinlock_rt.c rt_spin_lock(): a spinlock_t printed {3:3} is =y',
      { at: 'rt_spin_lock+0x2c/0x110', name: '&ctx->obj' },
      'spinlock',
      true,
    ],
    [
      'include/linux/local_lock_internal.h local_lock_acquire(): a local_lock_t printed {3:3} is =y',
      { at: 'local_lock_acquire+0x1c/0x80', name: '&ctx->obj' },
      'local_lock',
      true,
    ],
    [
      'the call trace: mutex_lock_nested() right above lock_acquire() (the lock being taken)',
      {
        name: '&ctx->obj',
        frames: [
          'dump_stack_lvl+0x1/0x2',
          '__lock_acquire+0x1/0x2',
          'lock_acquire+0xd6/0x2f0',
          '__mutex_lock+0x9c/0xb40',
          'mutex_lock_nested+0x1b/0x30',
          'ctx_merge+0x30/0x90',
        ],
      },
      'mutex',
      false,
    ],
  ] as const)('%s', (_row, o, type, prove) => {
    const r = explainOne(recursiveReport(o));
    expect(r.scenario.lock?.type).toBe(type);
    expect(r.scenario.lock?.certain).toBe(true);
    expect(r.scenario.proveRawLockNesting.value).toBe(prove);
    expect(r.otherReading).toBeNull();
    const json = explanationToJson({ reports: [r], exitCode: 0 }) as {
      reports: { proveRawLockNesting: boolean | null; proveRawLockNestingEvidence: unknown[] }[];
    };
    expect(json.reports[0].proveRawLockNesting).toBe(prove);
    expect(json.reports[0].proveRawLockNestingEvidence).toContainEqual(
      expect.objectContaining({ source: 'acquisition', says: prove, weight: 'numbering' }),
    );
  });

  it('_raw_spin_lock_irqsave() at {2:2}: raw_spinlock_t with =y, spinlock_t or raw_spinlock_t with =n; never a certain spinlock_t', () => {
    // kernel/locking/spinlock.c: _raw_spin_lock_irqsave() takes both types on !PREEMPT_RT
    const r = explainOne(
      recursiveReport({
        release: '5.15.0',
        wait: '2:2',
        name: '&ctx->obj',
        at: '_raw_spin_lock_irqsave+0x3d/0x60',
      }),
    );
    expect(r.scenario.proveRawLockNesting.value).toBe('unknown');
    expect(r.scenario.lock).toMatchObject({
      type: 'raw_spinlock',
      certain: false,
      otherReading: 'spinlock',
    });
    expect(r.otherReading?.scenario.lock).toMatchObject({ type: 'spinlock', certain: false });
    const text = formatExplanation({ reports: [r], exitCode: 0 });
    expect(text).toMatch(/raw_spinlock_t if =y, spinlock_t if =n \{2:2\}/);
    expect(text).not.toMatch(/\(spinlock_t \{2:2\}\)/);
  });
});

describe('PROVE_RAW_LOCK_NESTING: numbers, irq usage and the release (inferProveRawLockNesting)', () => {
  it.each([
    // row, report, value, evidence source that decides
    [
      'lockdep get_usage_char(): `-` is IN-HARDIRQ; a class taken in a hard interrupt at {3:3} is CONFIG, not SLEEP',
      { usage: '-...' },
      true,
      'irq-usage',
    ],
    [
      'lib/Kconfig.debug since 560af5dc839e (v6.13): on with PROVE_LOCKING; a v6.13 report that prints nothing decisive is =y',
      { release: '6.13.0-rc4' },
      true,
      'kernel-version',
    ],
    [
      'lib/Kconfig.debug before 560af5dc839e: a user option, default n; the report cannot tell',
      { release: '6.12.0' },
      null,
      'kernel-version',
    ],
    ['a release that is not a version tells nothing', { release: 'syzkaller' }, null, null],
  ] as const)('%s', (_row, o, value, source) => {
    const r = explainOne(recursiveReport(o));
    const json = explanationToJson({ reports: [r], exitCode: 0 }) as {
      reports: {
        proveRawLockNesting: boolean | null;
        proveRawLockNestingEvidence: { source: string; weight: string }[];
      }[];
    };
    expect(json.reports[0].proveRawLockNesting).toBe(value);
    const sources = json.reports[0].proveRawLockNestingEvidence.map((e) => e.source);
    if (source) expect(sources).toContain(source);
    else expect(sources).toEqual([]);
  });

  it.each([
    ['6.13.0-rc4-00080-g9828a4c0901f', [6, 13]],
    ['5.9.0.g34d4ddd-preempt', [5, 9]],
    ['syzkaller', null],
    ['123456.1', null],
  ] as const)('kernelVersion(%s)', (release, v) => {
    expect(kernelVersion(release)).toEqual(v);
  });

  it('the numbers overrule the release: a v6.13 report with a mutex printed {3:3} is =n', () => {
    const r = explainOne(
      recursiveReport({ release: '6.13.0', name: '&ctx->obj', at: 'mutex_lock_nested+0x1b/0x30' }),
    );
    expect(r.scenario.proveRawLockNesting.value).toBe(false);
    expect(r.scenario.proveRawLockNesting.evidence.map((e) => e.source)).toEqual([
      'acquisition',
      'acquisition',
      'acquisition',
      'kernel-version',
    ]);
  });
});

describe('where the report cannot tell the numbering: both readings', () => {
  const r = explainOne(recursiveReport({ release: '6.9.0' }));
  it('a {3:3} lock is spinlock_t if =y and a mutex if =n, and is not called certain', () => {
    expect(r.scenario.proveRawLockNesting.value).toBe('unknown');
    expect(r.scenario.lock).toMatchObject({
      type: 'spinlock',
      certain: false,
      otherReading: 'mutex',
    });
    expect(r.otherReading?.proveRawLockNesting).toBe(false);
    expect(r.otherReading?.scenario.lock).toMatchObject({
      type: 'mutex',
      otherReading: 'spinlock',
    });
  });
  it('the text shows both types and both verdict columns', () => {
    const text = formatExplanation({ reports: [r], exitCode: 0 });
    expect(text).toMatch(/&ctx->lock \(spinlock_t if =y, mutex if =n \{3:3\}\)/);
    expect(text).toMatch(/reading =y +reading =n/);
    expect(text).toMatch(
      /full\/prove +recursive-locking +recursive-locking +<- the report's configuration \(reading =y\)/,
    );
    expect(text).toMatch(/full\/noprove .*<- the report's configuration \(reading =n\)/);
  });
  it('the JSON gives null, the evidence, and the other reading with its verdicts', () => {
    const json = explanationToJson({ reports: [r], exitCode: 0 }) as {
      reports: {
        proveRawLockNesting: null;
        lock: { otherReading: string };
        otherReading: { proveRawLockNesting: boolean; lock: { type: string }; verdicts: unknown[] };
      }[];
    };
    const j = json.reports[0];
    expect(j.proveRawLockNesting).toBeNull();
    expect(j.lock.otherReading).toBe('mutex');
    expect(j.otherReading.proveRawLockNesting).toBe(false);
    expect(j.otherReading.lock.type).toBe('mutex');
    expect(j.otherReading.verdicts).toHaveLength(8);
  });
  it('a catalogue that knows the class decides the type and so the numbering (ExplainOptions.catalogue)', () => {
    const seen: string[] = [];
    const c = explainOne(recursiveReport({ release: '6.9.0' }), {
      catalogue: (name) => {
        seen.push(name);
        return name === '&ctx->lock' ? 'spinlock' : undefined;
      },
    });
    expect(seen).toContain('&ctx->lock');
    expect(c.scenario.proveRawLockNesting.value).toBe(true);
    expect(c.scenario.lock).toMatchObject({ type: 'spinlock', certain: true, otherReading: null });
    expect(c.otherReading).toBeNull();
  });
  it('the class table still comes before the catalogue', () => {
    const c = explainOne(recursiveReport({ release: '6.9.0', name: '&mm->mmap_lock' }), {
      catalogue: () => 'spinlock',
    });
    expect(c.scenario.lock?.type).toBe('rwsem');
    expect(c.scenario.proveRawLockNesting.value).toBe(false);
  });
});

describe('the preemption model from the CPU line (dump_stack_print_info(), v6.15+)', () => {
  it.each([
    ['#1 PREEMPT(full)', 'full'],
    ['#1 PREEMPT(voluntary)', 'voluntary'],
    ['#1 PREEMPT(none)', 'none'],
    ['#1 PREEMPT(lazy)', 'full'],
    ['#1 PREEMPT_RT', 'rt'],
    ['#1 PREEMPT_{RT,(full)}', 'rt'],
    ['#1', 'unknown'],
  ] as const)('%s', (tail, preempt) => {
    const r = explainOne(recursiveReport({ release: '6.15.0', cpuTail: tail }));
    expect(r.scenario.preempt.value).toBe(preempt);
  });
});

describe('names echoed from a report are escaped in the text output', () => {
  it('an ESC sequence or a newline in a lock name cannot reach the terminal or forge a line', () => {
    const r = explainOne(recursiveReport({ name: 'evil\u001b[2Jlock' }));
    const text = formatExplanation({ reports: [r], exitCode: 0 });
    expect(text.includes('\u001b')).toBe(false);
    expect(text).toContain('evil\\x1b[2Jlock');
  });
});

describe("the other locks' printed numbers decide a lock's type (check_wait_context numbering)", () => {
  /** The recursive report with one more held lock printed before the pair. */
  function withHeld(held: string): string {
    return recursiveReport({ release: '6.9.0' })
      .replace(
        '1 lock held by modprobe/311:',
        `2 locks held by modprobe/311:\n #0: ffff888100000010 ${held}`,
      )
      .replace(' #0: ffff888104a0c118', ' #1: ffff888104a0c118');
  }
  it.each([
    [
      'a class at {4:4} exists only with =y (LD_WAIT_SLEEP is 4): the {3:3} lock is CONFIG, a spinlock_t',
      '(&other->mutex){+.+.}-{4:4}, at: f+0x1/0x2',
      true,
      'spinlock',
    ],
    [
      'rcu_read_lock printed {1:2} is the =n numbering (=y prints {1:3}): the {3:3} lock is SLEEP, a mutex',
      '(rcu_read_lock){....}-{1:2}, at: f+0x1/0x2',
      false,
      'mutex',
    ],
  ] as const)('%s', (_row, held, prove, type) => {
    const r = explainOne(withHeld(held));
    expect(r.scenario.proveRawLockNesting.value).toBe(prove);
    expect(r.scenario.lock).toMatchObject({ name: '&ctx->lock', type, certain: true });
    expect(r.otherReading).toBeNull();
  });
});
