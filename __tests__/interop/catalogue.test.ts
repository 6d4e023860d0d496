/**
 * `lockdep catalogue`: lock classes read from C source, named as lockdep names them
 * (the stringified init-macro argument, include/linux/spinlock.h & co.), on real kernel
 * excerpts (__tests__/fixtures/kernel-src/linux, SOURCES.md) and tricky synthetic files.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseClassTable, parseReports } from '../../src';
import { CatalogueBuilder, scanPaths } from '../../src/interop/catalogue/catalogue';
import { lex, stringify } from '../../src/interop/catalogue/lexer';
import {
  baseClassName,
  bundledClassTable,
  catalogueLockType,
  lookupPrinted,
} from '../../src/interop/catalogue/lookup';
import { scanSource } from '../../src/interop/catalogue/scan';
import { builtinClassTable } from '../../src/interop/classTable';
import { runCli } from '../cli/helpers';
import bundled from '../../src/interop/catalogue/bundled.json';

const SRC = join(__dirname, '..', 'fixtures', 'kernel-src');
const LINUX = join(SRC, 'linux');
const SYNTH = join(SRC, 'synthetic');

describe('class names as lockdep derives them (real kernel sources)', () => {
  it.each([
    // [file, class name, type, macro]
    ['mm/mm_init.c', '&zone->lock', 'spinlock', 'spin_lock_init'],
    ['mm/mm_init.c', '&pgdat->kswapd_wait', 'spinlock', 'init_waitqueue_head'],
    ['mm/page_alloc.c', '&pcp->lock', 'spinlock', 'spin_lock_init'],
    ['kernel/rcu/tree.c', 'krc.lock', 'raw_spinlock', '__RAW_SPIN_LOCK_UNLOCKED'],
    ['kernel/fork.c', '&p->pi_lock', 'raw_spinlock', 'raw_spin_lock_init'],
    ['kernel/sched/core.c', '&rq->__lock', 'raw_spinlock', 'raw_spin_lock_init'],
    ['kernel/cpu.c', 'cpu_hotplug_lock', 'percpu_rwsem', 'DEFINE_STATIC_PERCPU_RWSEM'],
    ['lib/stackdepot.c', 'pool_lock', 'raw_spinlock', 'DEFINE_RAW_SPINLOCK'],
    ['mm/page_owner.c', 'stack_list_lock', 'spinlock', 'DEFINE_SPINLOCK'],
    ['net/core/rtnetlink.c', 'rtnl_mutex', 'mutex', 'DEFINE_MUTEX'],
    ['net/core/net_namespace.c', 'pernet_ops_rwsem', 'rwsem', 'DECLARE_RWSEM'],
    ['io_uring/io_uring.c', '&ctx->timeout_lock', 'raw_spinlock', 'raw_spin_lock_init'],
    ['io_uring/io_uring.c', '&ctx->uring_lock', 'mutex', 'mutex_init'],
    ['fs/ext4/super.c', '&ei->i_data_sem', 'rwsem', 'init_rwsem'],
    ['net/unix/af_unix.c', '&u->iolock', 'mutex', 'mutex_init'],
  ])('%s: %s is a %s (%s)', (file, name, type, via) => {
    const r = scanSource(readFileSync(join(LINUX, file), 'utf8'), file);
    const site = r.sites.find((s) => s.name === name);
    expect(site).toMatchObject({ name, type, via, file });
    expect(r.conflicts).toEqual([]);
  });

  it('krc.lock: the macro agrees with the declared member (raw_spinlock_t lock;) and the line is the macro', () => {
    const text = readFileSync(join(LINUX, 'kernel/rcu/tree.c'), 'utf8');
    const r = scanSource(text, 'kernel/rcu/tree.c');
    const site = r.sites.find((s) => s.name === 'krc.lock')!;
    expect(text.split('\n')[site.line - 1]).toContain('__RAW_SPIN_LOCK_UNLOCKED(krc.lock)');
  });
});

describe('tricky synthetic sources', () => {
  const tricky = readFileSync(join(SYNTH, 'tricky.c'), 'utf8');
  const r = scanSource(tricky, 'tricky.c');
  const names = r.sites.map((s) => s.name);

  it('ignores comments, strings, #define bodies and prototypes', () => {
    expect(names).not.toContain('&commented->lock');
    expect(names).not.toContain('line_comment_mutex');
    expect(names).not.toContain('&in_string->lock');
    expect(names.some((n) => n.includes('macro_param_lock'))).toBe(false);
    expect(names).not.toContain('*lock');
  });

  it('reads macros split over lines, stringified as the # operator does', () => {
    expect(names).toContain('split_over_lines');
    // `mutex_init(& d ->\n io_mutex)`: one space where the source had any
    expect(names).toContain('& d -> io_mutex');
    expect(stringify(lex('&  d\n->\tio_mutex'))).toBe('& d -> io_mutex');
  });

  it('names rt_mutex_init() by __func__, __mutex_init() and lockdep_set_class_and_name() by their string', () => {
    expect(r.sites.find((s) => s.via === 'rt_mutex_init')).toMatchObject({
      name: 'dev_init',
      type: 'rt_mutex',
    });
    expect(r.sites.find((s) => s.name === 'dev_named_mutex')?.type).toBe('mutex');
    // the type of lockdep_set_class_and_name() comes from the member's declaration
    expect(r.sites.find((s) => s.name === 'dev_stats_lock')?.type).toBe('spinlock');
  });

  it('reads two calls on one line and array members', () => {
    expect(names).toContain('&d->stats_lock');
    expect(names).toContain('&d->queue_lock[0]');
  });

  it('#ifdef branches: the same lock twice with one type is one class; with two types a conflict', () => {
    const b = new CatalogueBuilder();
    b.addSource(tricky, 'tricky.c');
    const c = b.result();
    expect(c.classes.get('&d->twice')).toBe('spinlock');
    expect(c.sources.get('&d->twice')).toHaveLength(2);
    expect(c.classes.has('&d->lock')).toBe(false);
    const conflict = c.conflicts.find((x) => x.name === '&d->lock')!;
    expect(conflict.why).toBe('declared as raw_spinlock and spinlock');
    expect(conflict.sites).toEqual([
      'tricky.c:26 raw_spinlock raw_spin_lock_init',
      'tricky.c:28 spinlock spin_lock_init',
    ]);
  });

  it('a macro that disagrees with the declared member type is reported, not resolved', () => {
    const c = scanSource(readFileSync(join(SYNTH, 'conflict.c'), 'utf8'), 'conflict.c');
    expect(c.conflicts).toHaveLength(1);
    expect(c.conflicts[0]).toMatchObject({ member: 'wlock', declared: 'raw_spinlock' });
  });

  it('a name declared with two types in two files is a conflict', async () => {
    const c = await scanPaths([SYNTH]);
    expect(c.classes.has('shared_name')).toBe(false);
    expect(c.conflicts.map((x) => x.name)).toContain('shared_name');
  });

  it('is linear: pathological input (unterminated comment, 1e5 open parentheses) scans quickly', () => {
    const text = `spin_lock_init(${'('.repeat(100000)}\n/* never closed`;
    expect(scanSource(text, 'x.c').sites).toEqual([]);
    expect(scanSource('mutex_init(&a->m', 'y.c').sites).toEqual([]);
    // string tables, static maps and lock operations: each looks a bounded way ahead
    expect(scanSource('a['.repeat(100000), 'z.c').sites).toEqual([]);
    // identifiers that are members of every JavaScript object are only C identifiers here
    const proto = [
      'struct constructor toString;',
      'class A { A() { constructor(x); toString(y); hasOwnProperty(z); } };',
      'static struct lockdep_map m = { .name = "m", .wait_type_inner = constructor };',
      'void f(void) { lockdep_init_map_wait(&a->m, "w", &k, 0, __proto__); }',
    ].join('\n');
    // (a wait type that is not a known constant leaves the map out, as for a call)
    expect(scanSource(proto, 'p.h').sites).toEqual([]);
    expect(scanSource('struct lockdep_map x = {'.repeat(20000), 'w.c').sites).toEqual([]);
    expect(
      scanSource(`${'raw_spin_lock(&a);'.repeat(20000)} lockdep_set_class(&a, &k);`, 'v.c').sites,
    ).toEqual([expect.objectContaining({ name: '&k', type: 'raw_spinlock' })]);
  });

  it('lockdep_set_class() names the class after its key, typed by the member or the init before it', () => {
    const src = [
      'struct s { spinlock_t lock; };',
      'static struct lock_class_key k1, k2;',
      'void f(struct s *a, struct t *b) {',
      '\tlockdep_set_class(&a->lock, &k1);',
      '\tinit_rwsem(&b->sem);',
      '\tlockdep_set_class(&b->sem, &k2);',
      '\tlockdep_set_class(&b->other, &k3);',
      '}',
      'DEFINE_WD_CLASS(resv_class);',
      'DEFINE_WW_CLASS(other_class);',
    ].join('\n');
    const got = Object.fromEntries(scanSource(src, 'k.c').sites.map((s) => [s.name, s.type]));
    expect(got['&k1']).toBe('spinlock');
    expect(got['&k2']).toBe('rwsem');
    expect(got['&k3']).toBeUndefined(); // neither declared here nor initialised before
    expect(got.resv_class_mutex).toBe('mutex');
    expect(got.other_class_mutex).toBe('mutex');
    // ww_acquire_init(): lockdep_init_map() on the acquire context, no wait type
    expect(got.resv_class_acquire).toEqual({ wait: { inner: 'inv' } });
  });
});

describe('lockdep maps and names the kernel builds (include/linux/lockdep.h, workqueue.h, timer.h)', () => {
  const src = [
    'static struct lockdep_map plain_map = { .name = "plain" };',
    'static struct lockdep_map rcu_like = {',
    '\t.name = "rcu_like",',
    '\t.key = &rcu_like_key,',
    '\t.wait_type_outer = LD_WAIT_FREE,',
    '\t.wait_type_inner = LD_WAIT_CONFIG,',
    '};',
    'static struct lockdep_map override = { .name = "ovr", .wait_type_inner = LD_WAIT_SLEEP, .lock_type = LD_LOCK_WAIT_OVERRIDE };',
    'static struct lockdep_map st = STATIC_LOCKDEP_MAP_INIT("static-map", &st);',
    'static DEFINE_WAIT_OVERRIDE_MAP(printk_legacy_map, LD_WAIT_SLEEP);',
    'static DECLARE_WORK(my_work, fn);',
    'static DECLARE_DELAYED_WORK(my_dwork, fn);',
    'static const char *const names[] = { "first", "sec" "ond" };',
    'static const char *mixed[] = { "x", some_ident };',
    'void f(struct s *a, spinlock_t *lock, int i, const char *name) {',
    '\tlockdep_init_map(&a->m1, "m1", &k, 0);',
    '\tlockdep_init_map_wait(&a->m2, "m2", &k, 0, LD_WAIT_SLEEP);',
    '\tlockdep_init_map_waits(&a->m3, "m3", &k, 0, LD_WAIT_CONFIG, LD_WAIT_FREE);',
    '\tlockdep_init_map_type(&a->m4, "m4", &k, 0, LD_WAIT_SPIN, LD_WAIT_INV, LD_LOCK_PERCPU);',
    '\tlockdep_init_map_wait(&a->m5, "m5", &k, 0, wait_type);',
    '\tlockdep_init_map(&a->m6, name, &k, 0);',
    '\tlockdep_set_class_and_name(lock, &keys[i], names[i]);',
    '\tlockdep_set_class_and_name(&a->other, &keys[i], mixed[i]);',
    '\ttimer_setup(&a->t, fn, 0);',
    '\tsetup_timer(&a->old, fn, 0);',
    '\tmutex_lock(&a->ctx.mutex);',
    '\tlockdep_set_class(&a->ctx.mutex, &a_mutex_key);',
    '\tspin_lock(&a->both);',
    '\traw_spin_lock(&a->both);',
    '\tlockdep_set_class(&a->both, &both_key);',
    '}',
  ].join('\n');
  const got = Object.fromEntries(scanSource(src, 'm.c').sites.map((s) => [s.name, s.type]));
  const inv = { wait: { inner: 'inv' } };

  it.each([
    // [name, type, the idiom]
    ['plain', inv, 'struct lockdep_map = { .name } without a wait type'],
    ['rcu_like', { wait: { inner: 'config', outer: 'free' } }, '.wait_type_inner/.wait_type_outer'],
    ['ovr', { wait: { inner: 'sleep' }, lockType: 'wait-override' }, '.lock_type'],
    ['static-map', inv, 'STATIC_LOCKDEP_MAP_INIT'],
    [
      'printk_legacy_map-wait-type-override',
      { wait: { inner: 'sleep' }, lockType: 'wait-override' },
      'DEFINE_WAIT_OVERRIDE_MAP',
    ],
    ['my_work', inv, 'DECLARE_WORK: STATIC_LOCKDEP_MAP_INIT(#n)'],
    ['(my_dwork).work', inv, 'DECLARE_DELAYED_WORK: __WORK_INITIALIZER((n).work)'],
    ['m1', inv, 'lockdep_init_map: LD_WAIT_INV'],
    ['m2', { wait: { inner: 'sleep' } }, 'lockdep_init_map_wait'],
    ['m3', { wait: { inner: 'config', outer: 'free' } }, 'lockdep_init_map_waits'],
    ['m4', { wait: { inner: 'spin' }, lockType: 'percpu' }, 'lockdep_init_map_type'],
    ['first', 'spinlock', 'a string table entry; the lock is a spinlock_t * parameter'],
    ['second', 'spinlock', 'adjacent literals are one string'],
    ['(&a->t)', inv, 'timer_setup() passes (timer) to #'],
    ['((&a->old))', inv, 'setup_timer() wraps it once more'],
    ['&a_mutex_key', 'mutex', 'lockdep_set_class typed by mutex_lock() on the same lock'],
  ] as [string, unknown, string][])('%s is %j (%s)', (name, type) => {
    expect(got[name]).toEqual(type);
  });

  it.each([
    ['m5', 'a wait type that is not a constant'],
    ['x', 'a table with a non-string entry'],
    ['&both_key', 'two kinds of lock operation on one lock'],
  ])('%s is left out (%s)', (name) => {
    expect(got[name]).toBeUndefined();
  });

  it('a class named by a variable is left out, never guessed', () => {
    expect(Object.keys(got).some((n) => n === 'name' || n.startsWith('names'))).toBe(false);
  });
});

describe('init wrappers a subsystem writes, and macro bodies', () => {
  const header = [
    '#define foo_init_rwsem(sem) do { static struct lock_class_key __key; __foo_init_rwsem((sem), #sem, &__key); } while (0)',
    'static inline void __foo_init_rwsem(struct foo_rwsem *sem, const char *sem_name, struct lock_class_key *key)',
    '{',
    '\t__init_rwsem(&sem->internal, sem_name, key);',
    '}',
    '#define worker_init(w) __worker_init((w), "(" #w ")->lock", &__key)',
    'void __worker_init(struct worker *w, const char *name, struct lock_class_key *key)',
    '{',
    '\t__raw_spin_lock_init(&w->lock, name, key, LD_WAIT_SPIN);',
    '}',
    '#define outer_init(x) worker_init((x))',
    '#define DEFINE_FOO_MUTEX(m) DEFINE_MUTEX(m)',
    '#define param_lock_init(x) spin_lock_init(&(x)->by_param)',
    'struct dev { struct mutex lock; };',
    '#define dev_set_classes(dev) { static struct lock_class_key dev_key; lockdep_set_class(&(dev)->lock, &dev_key); lockdep_set_class(&(dev)->lock, dev); }',
  ].join('\n');
  const user = [
    'static DEFINE_FOO_MUTEX(foo_mutex);',
    'void f(struct s *a) {',
    '\tfoo_init_rwsem(&a->sem[READ]);',
    '\tworker_init(&a->w);',
    '\touter_init(&a->w2);',
    '\tparam_lock_init(a);',
    '}',
  ].join('\n');

  it('learns them from headers scanned first and names the classes as the expansion does', () => {
    const b = new CatalogueBuilder();
    b.addSource(header, 'foo.h');
    b.addSource(user, 'foo.c');
    const c = b.result();
    expect(Object.fromEntries(c.classes)).toEqual({
      '&a->sem[READ]': 'rwsem', // #sem through __foo_init_rwsem() to __init_rwsem()
      '(&a->w)->lock': 'raw_spinlock', // "(" #w ")->lock"
      '((&a->w2))->lock': 'raw_spinlock', // outer_init passes (x) on
      foo_mutex: 'mutex',
      '&dev_key': 'mutex', // a macro body's class that no parameter names
    });
    expect(c.sources.get('&a->sem[READ]')).toEqual(['foo.c:3']);
  });

  it('a class named by a macro parameter is not one (tricky.c: my_lock_init)', () => {
    const r = scanSource(header, 'foo.h');
    expect(r.sites.some((x) => x.name.includes('by_param') || x.name === 'dev')).toBe(false);
  });

  it('scanPaths reads headers first, whatever their names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-wrap-'));
    writeFileSync(join(dir, 'a.c'), user);
    writeFileSync(join(dir, 'z.h'), header);
    const c = await scanPaths([dir]);
    expect(c.classes.get('&a->sem[READ]')).toBe('rwsem');
  });
});

describe('the bundled catalogue', () => {
  it('is what `lockdep catalogue` writes for the kernel-src fixtures (regenerate: scripts/update-catalogue.js)', async () => {
    const c = await scanPaths([LINUX]);
    expect(Object.fromEntries(c.classes)).toEqual(bundled.classes);
    expect(Object.fromEntries(c.sources)).toEqual(bundled.sources);
  });

  it('every fixture file is listed in SOURCES.md with its origin', () => {
    const sources = readFileSync(join(SRC, 'SOURCES.md'), 'utf8');
    const walk = (d: string, rel: string): string[] =>
      readdirSync(join(d), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? walk(join(d, e.name), rel ? `${rel}/${e.name}` : e.name)
          : [rel ? `${rel}/${e.name}` : e.name],
      );
    for (const f of walk(LINUX, '')) expect(sources).toContain(f);
  });

  it('agrees with the hand-written built-in table wherever both name a class', () => {
    const builtin = builtinClassTable().names;
    for (const [name, type] of Object.entries(bundled.classes)) {
      const b = builtin.get(name);
      if (b)
        expect(b).toEqual(
          typeof type === 'string' ? { kind: 'primitive', type } : { kind: 'map', decl: type },
        );
    }
  });

  it('is a class table --classes reads', () => {
    const t = parseClassTable(bundled);
    expect(t.names.get('&zone->lock')).toEqual({ kind: 'primitive', type: 'spinlock' });
  });

  it.each([
    ['&zone->lock', 'spinlock'],
    ['krc.lock', 'raw_spinlock'],
    ['&rq->__lock/1', 'raw_spinlock'],
    ['&ei->i_data_sem#2', 'rwsem'],
    ['&ei->i_data_sem#2/3', 'rwsem'],
    ['rcu_read_lock', undefined],
    ['no_such_lock', undefined],
  ])('catalogueLockType(%s) = %s', (name, type) => {
    expect(catalogueLockType(name)).toBe(type);
  });

  it.each([
    ['a#2', 'a'],
    ['a/1', 'a'],
    ['a#12/3', 'a'],
    ['#2', '#2'],
    ['lock_#x', 'lock_#x'],
  ])('baseClassName(%s) = %s (print_name(): #version, /subclass)', (printed, base) => {
    expect(baseClassName(printed)).toBe(base);
  });

  // Names in models and examples that no kernel declares: test-only stand-ins, out-of-tree
  // and older variants, and the placeholders of examples/traces (each trace declares its
  // locks' types itself: they teach a rule, they are not kernel classes).
  const NOT_KERNEL_CLASSES: Readonly<Record<string, string>> = {
    caller_lock: 'scenario stand-in for "some raw_spinlock the caller holds"',
    caller_raw_lock: 'scenario stand-in',
    'krcp->lock': 'examples/api spelling; the kernel class is &krcp->lock (built-in)',
    pa_lock: 'PREEMPT_RT patch set (mm/page_alloc.c, not mainline)',
    depot_lock: 'lib/stackdepot.c before v6.3 (now pool_lock, which is covered)',
    'pagesets.lock':
      'the model names it after the variable; mainline INIT_LOCAL_LOCK(lock) prints "lock"',
    ...Object.fromEntries(
      [
        'cfg_mutex',
        'dev_lock',
        'lock_A',
        'lock_B',
        'lock_C',
        'm1',
        'm2',
        'm3',
        'm4',
        'mutex_A',
        'mutex_B',
        'node_a',
        'node_b',
        'node_lock',
        'obj_lock',
        'parent_lock',
        'raw_A',
        'raw_lock_A',
      ].map((n) => [n, 'examples/traces placeholder, typed by its trace']),
    ),
  };

  it('covers every kernel lock the bundled models and examples create', () => {
    const t = bundledClassTable();
    const created = new Set<string>();
    const root = join(__dirname, '..', '..');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(`${dir}/${e.name}`) : [`${dir}/${e.name}`],
      );
    const re =
      /\.(?:rawSpinlock|spinlock|localLock|mutex|rwsem|rwlock|rtMutex|srcu|seqcount|percpuRwsem|lockdepMap)\('([^']+)'/g;
    for (const f of [...files('src/models'), ...files('examples')]) {
      const text = readFileSync(join(root, f), 'utf8');
      if (f.endsWith('.ts')) for (const m of text.matchAll(re)) created.add(m[1]);
      else if (f.endsWith('.json'))
        for (const n of Object.keys((JSON.parse(text) as { locks?: object }).locks ?? {}))
          created.add(n);
    }
    expect(created.size).toBeGreaterThan(20);
    const missing = [...created].filter((n) => !lookupPrinted(t, n) && !(n in NOT_KERNEL_CLASSES));
    expect(missing).toEqual([]);
    // and the list is no longer than it must be
    for (const n of Object.keys(NOT_KERNEL_CLASSES)) {
      expect(created.has(n)).toBe(true);
      expect(lookupPrinted(t, n)).toBeNull();
    }
  });

  it('covers every real lock and lockdep map the explain fixtures name; the exclusions are listed with why', () => {
    const dir = join(__dirname, '..', 'fixtures', 'kernel-reports');
    const files = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.txt'))
        .map((f) => join(dir, f)),
      ...readdirSync(join(dir, 'real'))
        .filter((f) => f.endsWith('.txt'))
        .map((f) => join(dir, 'real', f)),
    ];
    const names = new Set<string>();
    const walk = (o: unknown): void => {
      if (!o || typeof o !== 'object') return;
      if (Array.isArray(o)) return o.forEach(walk);
      const r = o as Record<string, unknown>;
      if (typeof r.name === 'string' && ('usage' in r || 'wait' in r || 'version' in r))
        names.add(r.name);
      Object.values(r).forEach(walk);
    };
    for (const f of files) walk(parseReports(readFileSync(f, 'utf8')).reports);
    const t = bundledClassTable();
    // Made up for the synthetic reports (multi.txt, iwc-rt.txt, iwc-softirq.txt): no kernel
    // source declares them, so no kernel file can give their type, and the catalogue
    // must not invent one.
    const synthetic = [
      '&card->lock',
      '&dev->cfg_mutex',
      '&dev->io_mutex',
      '&drv->spin',
      '&nf->lock_mutex',
      '&priv->cfg_mutex',
      '&priv->lock',
      '&priv->stats_lock',
      '&q->irq_lock',
      '&q->list_lock',
      '&t->queue_lock',
      '&t->state_lock',
      '&w->lock',
    ];
    // Real classes whose name or type no C init call in the kernel gives
    const notFromCInit: Readonly<Record<string, string>> = {
      'rn5t618:170:(&rn5t618_regmap_config)->lock':
        "regmap builds the name from the caller's file and line, and picks mutex or spinlock from the regmap_config at run time",
      'rust/doctests_kernel_generated.rs:1238': 'a Rust lock, named by its file:line',
    };
    const uncovered = [...names].filter((n) => !lookupPrinted(t, n)).sort();
    expect(uncovered).toEqual([...synthetic, ...Object.keys(notFromCInit)].sort());
    const known = [...names].filter((n) => lookupPrinted(t, n));
    expect(known.length).toBe(names.size - uncovered.length);
    expect(known.length).toBeGreaterThanOrEqual(73);
  });

  it.each([
    // [printed name, entry] from the kernel-src fixtures and the bundled patterns
    ['&cpuctx_lock', { kind: 'primitive', type: 'raw_spinlock' }], // lockdep_set_class + raw_spin_lock()
    ['&event->waitq', { kind: 'primitive', type: 'spinlock' }], // init_waitqueue_head()
    ['sb_writers#4', { kind: 'primitive', type: 'percpu_rwsem' }], // sb_writers_name[i]
    ['sb_internal', { kind: 'primitive', type: 'percpu_rwsem' }],
    ['_xmit_ETHER#2', { kind: 'primitive', type: 'spinlock' }], // netdev_lock_name[i], spinlock_t *lock
    ['dev->qdisc_tx_busylock ?: &qdisc_tx_busylock', { kind: 'primitive', type: 'spinlock' }],
    ['ptlock_ptr(ptdesc)', { kind: 'primitive', type: 'spinlock' }],
    ['&vma->vm_lock->lock', { kind: 'primitive', type: 'rwsem' }],
    ['console_owner', { kind: 'map', decl: { wait: { inner: 'inv' } } }], // .name = "console_owner"
    ['cpuhp_state-up', { kind: 'map', decl: { wait: { inner: 'inv' } } }], // STATIC_LOCKDEP_MAP_INIT
    ['net_cleanup_work', { kind: 'map', decl: { wait: { inner: 'inv' } } }], // DECLARE_WORK
    ['(&ndev->rs_timer)', { kind: 'map', decl: { wait: { inner: 'inv' } } }], // timer_setup()
    ['((&hw->end_timer))', { kind: 'map', decl: { wait: { inner: 'inv' } } }], // setup_timer()
    ['reservation_ww_class_acquire', { kind: 'map', decl: { wait: { inner: 'inv' } } }],
    ['(work_completion)(&task->u.tk_work)#2', { kind: 'map', decl: { wait: { inner: 'inv' } } }],
    ['(wq_completion)events', { kind: 'map', decl: { wait: { inner: 'inv' } } }],
    ['&(&priv->lock)->rlock#2', { kind: 'primitive', type: 'spinlock' }], // spin_lock_init() before v5.7
    ['&fi->i_gc_rwsem[READ]', { kind: 'primitive', type: 'rwsem' }], // init_f2fs_rwsem() wrapper
    ['&dev_instance_lock_key#3', { kind: 'primitive', type: 'mutex' }], // in a #define body
    ['rcu_read_lock', { kind: 'pseudo', type: 'rcu_read_lock' }], // built-in over everything
  ])('%s is %j', (name, entry) => {
    expect(lookupPrinted(bundledClassTable(), name)).toEqual(entry);
  });
});

describe('lockdep catalogue (CLI)', () => {
  it('writes the table to stdout with sources, conflicts and a summary on stderr', async () => {
    const r = await runCli(['catalogue', SYNTH]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      classes: Record<string, string>;
      sources: Record<string, string[]>;
    };
    expect(j.classes.split_over_lines).toBe('spinlock');
    expect(j.sources.split_over_lines).toEqual(['tricky.c:20']);
    expect(r.stderr).toContain('conflict: &d->lock: declared as raw_spinlock and spinlock');
    expect(r.stderr).toMatch(/4 files, \d+ classes, 3 conflicts/);
  });

  it('-o writes a file, refuses to overwrite it without --force, and refuses an input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-cat-'));
    const out = join(dir, 'classes.json');
    expect((await runCli(['catalogue', LINUX, '-q', '-o', out])).code).toBe(0);
    expect(
      (JSON.parse(readFileSync(out, 'utf8')) as { classes: Record<string, string> }).classes[
        'krc.lock'
      ],
    ).toBe('raw_spinlock');
    const again = await runCli(['catalogue', LINUX, '-q', '-o', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists (use --force to overwrite)');
    expect((await runCli(['catalogue', LINUX, '-q', '--force', '-o', out])).code).toBe(0);
    const src = join(dir, 'a.c');
    writeFileSync(src, 'DEFINE_MUTEX(m);\n');
    expect((await runCli(['catalogue', src, '-o', src, '--force'])).stderr).toContain(
      'is an input',
    );
    expect(existsSync(src)).toBe(true);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['catalogue'])).code).toBe(2);
    expect((await runCli(['catalogue', '/no/such/dir'])).code).toBe(2);
    expect((await runCli(['catalogue', '--bogus', SYNTH])).code).toBe(2);
  });
});

describe('check --from-ftrace and the bundled catalogue', () => {
  const trace = (name: string) =>
    [
      'cpus=1',
      `     kworker/0:1-23    [000]   200.000100: lock_acquire:         0xffff888100d00000 ${name}`,
      `     kworker/0:1-23    [000]   200.000130: lock_release:         0xffff888100d00000 ${name}`,
      '',
    ].join('\n');

  it('knows a class only the catalogue declares when --classes is not given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-ft-'));
    const f = join(dir, 't.txt');
    writeFileSync(f, trace('&ctx->timeout_lock'));
    const r = await runCli(['check', '--from-ftrace', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('unknown lock names');
  });

  it('a given --classes table is used instead (given tables win)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-ft-'));
    const f = join(dir, 't.txt');
    const t = join(dir, 'c.json');
    writeFileSync(f, trace('&ctx->timeout_lock'));
    writeFileSync(t, JSON.stringify({ classes: { other: 'spinlock' } }));
    const r = await runCli(['check', '--from-ftrace', f, '--classes', t]);
    expect(r.stdout).toContain('&ctx->timeout_lock');
    expect(r.stdout).toContain('unknown lock names');
  });
});
