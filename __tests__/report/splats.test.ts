/**
 * Full-text fixtures of the kernel splats, each from a fixed scenario built with the
 * Kernel API. The text is laid out like kernel/locking/lockdep.c's print_* functions
 * (print_circular_bug, print_deadlock_bug, print_usage_bug, print_bad_irq_dependency,
 * print_irq_inversion_bug, print_lock_invalid_wait_context) and kernel/sched/core.c's
 * __might_resched() / __schedule_bug(); the layout details asserted separately below were
 * checked against real splats (syzbot reports of v5.8 .. v6.8).
 *
 * Regenerate after an intended change with `UPDATE_SPLATS=1 npx jest __tests__/report`,
 * then review the diff.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  createKernel,
  formatViolation,
  type Kernel,
  type Violation,
  type ViolationKind,
} from '../../src';

const DIR = path.join(__dirname, '..', 'fixtures', 'splats');

function pinned(name: string, text: string): void {
  const file = path.join(DIR, `${name}.txt`);
  if (process.env.UPDATE_SPLATS) {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(file, `${text}\n`);
  }
  expect(text).toBe(fs.readFileSync(file, 'utf8').replace(/\n$/, ''));
}

function kernel(): Kernel {
  const k = createKernel({ policy: 'collect', release: '6.12.0', version: '#1' });
  k.switchTo('kworker/0:1', 0);
  return k;
}

function only(k: Kernel, kind: ViolationKind): Violation {
  const vs = k.violations.filter((v) => v.kind === kind);
  expect(vs).toHaveLength(1);
  return vs[0];
}

/** Anything lock()/unlock() with an acquisition site: the scenarios' mutexes and spinlocks. */
interface Lock {
  lock(o: { at: string }): void;
  unlock(): void;
}

/** Take and drop `l` at `at`: records the usage of the current context. */
function once(l: Lock, at: string): void {
  l.lock({ at });
  l.unlock();
}

/** outer -> inner: take both, drop inner then outer. */
function nested(outer: Lock, outerAt: string, inner: Lock, innerAt: string): void {
  outer.lock({ at: outerAt });
  inner.lock({ at: innerAt });
  inner.unlock();
  outer.unlock();
}

/** outer -> inner with irqs off, both taken in function `fn`. */
function nestedIrqsOff(k: Kernel, outer: Lock, inner: Lock, fn: string): void {
  k.localIrqDisable();
  nested(outer, `${fn}+0x10/0x40`, inner, `${fn}+0x1c/0x40`);
  k.localIrqEnable();
}

/** `l` taken in a hardirq handler: {IN-HARDIRQ-W}. */
function inHardirq(k: Kernel, l: Lock): void {
  k.hardirq(() => once(l, 'irq_handler+0x10/0x40'));
}

/** Three classes: A -> B, B -> C, then C -> A closes the cycle (ABBCCA). */
function circular(): Violation {
  const k = kernel();
  const a = k.mutex('lock_A'),
    b = k.mutex('lock_B'),
    c = k.mutex('lock_C');
  nested(a, 'setup_a+0x10/0x40', b, 'setup_b+0x14/0x40');
  nested(b, 'walk_b+0x10/0x40', c, 'walk_c+0x14/0x40');
  c.lock({ at: 'close_c+0x10/0x40' });
  a.lock({ at: 'close_a+0x14/0x40' });
  a.unlock();
  c.unlock();
  return only(k, 'circular-dependency');
}

function recursive(): Violation {
  const k = kernel();
  const x1 = k.spinlock('lock_X1', { key: 'lock_X' }),
    x2 = k.spinlock('lock_X2', { key: 'lock_X' });
  x1.lock({ at: 'outer+0x10/0x40' });
  x2.lock({ at: 'inner+0x14/0x40' });
  return only(k, 'recursive-locking');
}

/** {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}: taken in a hardirq, later with irqs enabled. */
function inconsistent(): Violation {
  const k = kernel();
  const a = k.spinlock('lock_A');
  inHardirq(k, a);
  once(a, 'process_path+0x14/0x40');
  return only(k, 'inconsistent-lock-state');
}

/** A is hardirq-safe, A -> B with irqs off, C hardirq-unsafe, then B -> C: chain A --> B --> C. */
function irqOrder(): Violation {
  const k = kernel();
  const a = k.spinlock('lock_A'),
    b = k.spinlock('lock_B'),
    c = k.spinlock('lock_C');
  inHardirq(k, a);
  nestedIrqsOff(k, a, b, 'a_then_b');
  once(c, 'unsafe_c+0x10/0x40');
  nestedIrqsOff(k, b, c, 'b_then_c');
  return only(k, 'irq-unsafe-order');
}

/** A -> B with irqs off, B taken with irqs on, then A in a hardirq: A's new state inverts. */
function irqInversion(): Violation {
  const k = kernel();
  const a = k.spinlock('lock_A'),
    b = k.spinlock('lock_B');
  nestedIrqsOff(k, a, b, 'a_then_b');
  once(b, 'unsafe_b+0x10/0x40');
  inHardirq(k, a);
  return only(k, 'irq-inversion');
}

/** spinlock_t {3:3} inside raw_spinlock_t {2:2}: context-{5:5}, culprit in the held list. */
function invalidWaitContext(): Violation {
  const k = kernel();
  const raw = k.rawSpinlock('raw_lock_A'),
    spin = k.spinlock('lock_B');
  raw.lock({ at: 'raw_section+0x10/0x40' });
  spin.lock({ at: 'raw_section+0x1c/0x40' });
  return only(k, 'invalid-wait-context');
}

/** A kernel inside a spinlock_t section (atomic on !RT), for the sleep checks. */
function inAtomicSection(): Kernel {
  const k = kernel();
  k.spinlock('lock_A').lock({ at: 'atomic_section+0x10/0x40' });
  return k;
}

function sleepingInAtomic(): Violation {
  const k = inAtomicSection();
  k.mightSleep('drivers/foo/bar.c:42');
  return only(k, 'sleeping-in-atomic');
}

function schedulingWhileAtomic(): Violation {
  const k = inAtomicSection();
  k.schedule();
  return only(k, 'scheduling-while-atomic');
}

const SCENARIOS: readonly [string, () => Violation][] = [
  ['circular', circular],
  ['recursive', recursive],
  ['inconsistent-state', inconsistent],
  ['irq-order', irqOrder],
  ['irq-inversion', irqInversion],
  ['invalid-wait-context', invalidWaitContext],
  ['sleeping-in-atomic', sleepingInAtomic],
  ['scheduling-while-atomic', schedulingWhileAtomic],
];

describe('pinned splat fixtures', () => {
  it.each(SCENARIOS)('%s', (name, build) => {
    pinned(name, formatViolation(build()));
  });
});

describe('layout rules checked against real splats', () => {
  const lines = (v: Violation): string[] => formatViolation(v).split('\n');

  it('rules are as wide as the title, except the fixed 53-column safe->unsafe header', () => {
    for (const [v, title] of [
      [circular(), 'WARNING: possible circular locking dependency detected'],
      [recursive(), 'WARNING: possible recursive locking detected'],
      [inconsistent(), 'WARNING: inconsistent lock state'],
      [irqInversion(), 'WARNING: possible irq lock inversion dependency detected'],
    ] as const) {
      const l = lines(v);
      expect(l[0]).toBe('');
      expect(l[1]).toBe('='.repeat(title.length));
      expect(l[2]).toBe(title);
      expect(l[4]).toBe('-'.repeat(title.length));
    }
    const o = lines(irqOrder());
    expect(o[1]).toBe('='.repeat(53));
    expect(o[4]).toBe('-'.repeat(53));
  });

  it('circular: -> #N entries from the held lock down to #0, 7-space traces, Chain exists of', () => {
    const l = lines(circular());
    const entries = l.filter((x) => x.startsWith('-> #'));
    expect(entries.map((x) => x.slice(0, 5))).toEqual(['-> #2', '-> #1', '-> #0']);
    const i = l.indexOf(entries[0]);
    // #2 is the held lock's class, reached over B -> C: the trace where C was taken under B
    expect(l[i + 1]).toBe('       walk_c+0x14/0x40');
    // source --> parent --> target: the new lock, the class after it on the path, the held lock
    expect(l).toContain('  lock_A --> lock_B --> lock_C');
  });

  it('print_lock_class_header() indents usage traces by 2*depth + 8 + strlen(usage)', () => {
    const l = lines(irqInversion());
    const at = l.findIndex((x) => x === '    HARDIRQ-ON-W at:');
    expect(at).toBeGreaterThan(0);
    expect(l[at + 1]).toBe(`${' '.repeat(2 * 1 + 8 + 'HARDIRQ-ON-W'.length)}unsafe_b+0x10/0x40`);
    // "... acquired at:" traces are print_lock_trace(trace, 2): three spaces
    const acq = l.indexOf('  ... acquired at:');
    expect(l[acq + 1]).toMatch(/^ {3}\S/);
  });

  it('safe->unsafe: the backwards path has no "acquired at" on its leaf; the last heading is two lines', () => {
    const l = lines(irqOrder());
    const start = l.indexOf('the dependencies between HARDIRQ-irq-safe lock and the holding lock:');
    const second = l.indexOf('the dependencies between the lock to be acquired');
    expect(start).toBeGreaterThan(0);
    expect(l[start - 1]).toBe('');
    expect(l[second + 1]).toBe(' and HARDIRQ-irq-unsafe lock:');
    const backwards = l.slice(start, second);
    expect(backwards.filter((x) => x.includes('... acquired at:'))).toHaveLength(1);
    expect(l).toContain('  lock_A --> lock_B --> lock_C');
  });
});
