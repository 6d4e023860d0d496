/**
 * The dependency graph's shortcuts (src/core/graph.ts: the Pearce-Kelly topological
 * order for check_noncircular(), the usage summaries for check_irq_usage() and
 * mark_lock_irq()'s searches) must not change a report: a differential property test
 * runs random lock programs through two kernels, one with the shortcuts and one making
 * every __bfs() the kernel makes, and compares every violation and the graph counters.
 */
import { runs } from '../helpers/fuzz';
import fc from 'fast-check';
import { createKernel, type Kernel, type KernelOptions } from '../../src';
import type { LockClass } from '../../src/core/lockClass';
import type { LockdepMap } from '../../src/core/lockdepMap';

type Step =
  | { op: 'lock'; lock: number; read: 0 | 1 | 2; trylock: boolean; subclass: number }
  | { op: 'unlock'; lock: number }
  | { op: 'hardirq' | 'softirq' | 'exit' | 'irqOff' | 'irqOn' | 'bhOff' | 'bhOn' | 'task' };

const LOCKS = 7;
const WAIT = ['spin', 'config', 'sleep', 'spin', 'config', 'spin', 'spin'] as const;

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('lock' as const),
      lock: fc.nat(LOCKS - 1),
      read: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const),
      trylock: fc.nat(4).map((n) => n === 0),
      subclass: fc.constantFrom(0, 0, 0, 1),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('unlock' as const), lock: fc.nat(LOCKS - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom(
        'hardirq' as const,
        'softirq' as const,
        'exit' as const,
        'irqOff' as const,
        'irqOn' as const,
        'bhOff' as const,
        'bhOn' as const,
        'task' as const,
      ),
    }),
  },
);

/** Run a program at the machine level (lock_acquire()/lock_release() and the irq hooks). */
function run(program: readonly Step[], shortcuts: boolean, options: KernelOptions): Kernel {
  const k = createKernel({ policy: 'collect', ...options });
  const m = k.machine;
  m.lockdep.graph.shortcuts = shortcuts;
  const maps: LockdepMap[] = [];
  for (let i = 0; i < LOCKS; i++) {
    maps.push(
      k.lockdepMap(`L${i}`, { inner: WAIT[i], lockType: i === 6 ? 'percpu' : 'normal' }).map,
    );
  }
  const frames: ('hardirq' | 'softirq')[] = [];
  let task = 0;
  const tasks = ['A', 'B'];
  for (const s of program) {
    m.op(() => {
      switch (s.op) {
        case 'lock':
          m.acquire(maps[s.lock], { read: s.read, trylock: s.trylock, subclass: s.subclass });
          break;
        case 'unlock':
          if (m.isHeld(maps[s.lock])) m.release(maps[s.lock]);
          break;
        case 'hardirq':
          if (frames.length < 2) {
            m.hardirqEnter(false);
            frames.push('hardirq');
          }
          break;
        case 'softirq':
          if (frames.length < 2 && !frames.includes('hardirq')) {
            m.softirqContextEnter();
            frames.push('softirq');
          }
          break;
        case 'exit': {
          const f = frames.pop();
          if (f === 'hardirq') m.hardirqExit();
          else if (f === 'softirq') m.softirqContextExit();
          break;
        }
        case 'irqOff':
          if (!frames.length) m.irqDisable();
          break;
        case 'irqOn':
          if (!frames.length) m.irqEnable();
          break;
        case 'bhOff':
          if (!frames.length) m.softirqsOff();
          break;
        case 'bhOn':
          if (!frames.length) m.softirqsOn();
          break;
        case 'task':
          if (!frames.length && m.preemptCount(m.current) === 0 && !m.irqsDisabled(m.current)) {
            task ^= 1;
            m.switchTo(m.task(tasks[task]), 0);
          }
          break;
      }
    });
  }
  return k;
}

describe('graph shortcuts: reports identical to the full __bfs() searches (differential)', () => {
  it.each([
    ['default limits', {}],
    ['PROVE_RAW_LOCK_NESTING', { proveRawLockNesting: true }],
  ] as const)('%s', (_name, options) => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (program) => {
        const fast = run(program, true, options);
        const full = run(program, false, options);
        expect(JSON.stringify(fast.violations)).toBe(JSON.stringify(full.violations));
        expect(fast.stats()).toEqual(full.stats());
      }),
      runs(300, 0x10cd),
    );
  });

  it('the shortcuts are taken on these programs (the test compares something)', () => {
    // A -> B, then B's class first ordered before A's: the second edge needs a search,
    // the first needs none; a hardirq-safe class far from an irq-enabled one is never searched.
    const k = createKernel({ policy: 'collect' });
    const g = k.machine.lockdep.graph;
    const a = k.lockdepMap('a', { inner: 'spin' });
    const b = k.lockdepMap('b', { inner: 'spin' });
    k.machine.op(() => {
      k.machine.acquire(b.map);
      k.machine.release(b.map);
      k.machine.acquire(a.map);
      k.machine.acquire(b.map);
      k.machine.release(b.map);
      k.machine.release(a.map);
    });
    const [ca, cb] = [a.map.classCache[0]!, b.map.classCache[0]!];
    // b registered first, then a -> b moved a before b
    expect(ca.ord).toBeLessThan(cb.ord);
    const bfs = jest.spyOn(g as unknown as { bfs: () => unknown }, 'bfs');
    expect(g.findCircular(cb, false, ca, true)).toBeNull();
    expect(bfs).not.toHaveBeenCalled();
    g.shortcuts = false;
    expect(g.findCircular(cb, false, ca, true)).toBeNull();
    expect(bfs).toHaveBeenCalledTimes(1);
  });
});

/**
 * Pearce-Kelly on graphs larger than the 7-lock programs above: dependencies learned
 * one at a time in random order (lock u; lock v; unlock both, as bench/order.bench.js
 * builds its DAG), with every read mode, so that reorders move many classes at once and
 * weak (recursive-read) cycles leave the graph without an order.
 */
const WIDE = 40;

function pairs(
  list: readonly (readonly [number, number, 0 | 1 | 2, 0 | 1 | 2])[],
  shortcuts: boolean,
): Kernel {
  const k = createKernel({ policy: 'collect' });
  const m = k.machine;
  m.lockdep.graph.shortcuts = shortcuts;
  const maps: LockdepMap[] = [];
  for (let i = 0; i < WIDE; i++) maps.push(k.lockdepMap(`W${i}`, { inner: 'spin' }).map);
  for (const [u, v, ru, rv] of list) {
    m.op(() => {
      m.acquire(maps[u], { read: ru });
      m.acquire(maps[v], { read: rv });
      m.release(maps[v]);
      m.release(maps[u]);
    });
  }
  return k;
}

/** While an order exists: every dependency between two classes goes forward in it; byOrd inverts ord. */
function expectTopological(k: Kernel): void {
  const g = k.machine.lockdep.graph as unknown as { ordered: boolean; byOrd: LockClass[] };
  const classes = k.machine.lockdep.classes;
  expect(g.byOrd).toHaveLength(classes.length);
  for (const c of classes) expect(g.byOrd[c.ord]).toBe(c);
  if (!g.ordered) return;
  // (a recursive reader re-taking its own class adds a self-dependency, as the kernel does)
  for (const c of classes)
    for (const e of c.after) if (e.cls !== c) expect(c.ord).toBeLessThan(e.cls.ord);
}

describe('graph shortcuts: the topological order on larger graphs (Pearce-Kelly)', () => {
  it('stays an order of every dependency, and reports match the full searches', () => {
    const read = fc.constantFrom(0 as const, 0 as const, 0 as const, 1 as const, 2 as const);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(WIDE - 1), fc.nat(WIDE - 1), read, read), { maxLength: 160 }),
        (list) => {
          const fast = pairs(list, true);
          const full = pairs(list, false);
          expect(JSON.stringify(fast.violations)).toBe(JSON.stringify(full.violations));
          expect(fast.stats()).toEqual(full.stats());
          expectTopological(fast);
        },
      ),
      runs(100, 0x9e7a),
    );
  });

  it('a path learned backwards moves the whole path at each step (sets of every size)', () => {
    // W38 -> W39, W37 -> W38, ...: each new first class is registered last, so each
    // dependency reorders every class after it; then closing the path is a cycle.
    const list: [number, number, 0, 0][] = [];
    for (let i = WIDE - 2; i >= 0; i--) list.push([i, i + 1, 0, 0]);
    list.push([WIDE - 1, 0, 0, 0]);
    const fast = pairs(list, true);
    const full = pairs(list, false);
    expectTopological(fast);
    const cycle = fast.violations.find((v) => v.kind === 'circular-dependency');
    expect(cycle && cycle.kind === 'circular-dependency' && cycle.chain).toHaveLength(WIDE);
    expect(JSON.stringify(fast.violations)).toBe(JSON.stringify(full.violations));
    const order = [...fast.machine.lockdep.classes].sort((a, b) => a.ord - b.ord);
    expect(order.map((c) => c.name)).toEqual(
      list
        .slice(0, -1)
        .map((_, i) => `W${i}`)
        .concat(`W${WIDE - 1}`),
    );
  });
});
