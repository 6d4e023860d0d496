/**
 * `lockdep chains --lockdep`: /proc/lockdep as kernel/locking/lockdep_proc.c's l_show()
 * prints it (`%p`, ` OPS:%8ld`, ` FD:%5ld BD:%5ld`, get_usage_chars(), `: ` print_name(),
 * ` -> [%p] name` per direct dependency, a blank line), and what each class's irq usage
 * adds to the chains: a class used in hard interrupt context is checked there too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bundledClassTable } from '../../src/interop/catalogue/lookup';
import { ChainChecker } from '../../src/interop/chains/check';
import { ChainsInputError, parseChains } from '../../src/interop/chains/parse';
import type { ChainsJson } from '../../src/interop/chains/report';
import { parseLockdep, readLockdepFile } from '../../src/interop/chains/usage';
import { runCli } from '../cli/helpers';

const DIR = join(__dirname, '..', 'fixtures', 'lockdep-chains');
const LOCKDEP = join(DIR, 'lockdep.txt');
const KVFREE = join(DIR, 'kvfree.txt');

function tmp(text: string, name = 'lockdep.txt'): string {
  const f = join(mkdtempSync(join(tmpdir(), 'lockdep-usage-')), name);
  writeFileSync(f, text);
  return f;
}

describe('reading /proc/lockdep (l_show())', () => {
  it('reads each class record, its usage characters, and skips the dependency lines', () => {
    const classes = parseLockdep(readFileSync(LOCKDEP, 'utf8'), 'lockdep.txt');
    expect(classes.map((c) => c.name)).toEqual([
      'rtnl_mutex',
      '&u->lock',
      'krc.lock',
      '&zone->lock',
      '&rq->__lock',
      '&p->pi_lock',
      '&pcp->lock',
      '&host->lock',
    ]);
    expect(classes[0]).toMatchObject({ usage: '+.+.', inHardirq: false, inSoftirq: false });
    expect(classes[2]).toMatchObject({ usage: '..-.', inHardirq: false, inSoftirq: true });
    expect(classes[7]).toMatchObject({ line: 19, usage: '-.-.', inHardirq: true });
  });

  it.each([
    // [usage, in hardirq, in softirq]: get_usage_char(): '-' LOCK_USED_IN_*, '+' LOCK_ENABLED_*,
    // '?' both, per (HARDIRQ, HARDIRQ_READ, SOFTIRQ, SOFTIRQ_READ)
    ['-.-.', true, true],
    ['?.+.', true, false],
    ['.-..', true, false], // read side in hardirq (LOCK_USED_IN_HARDIRQ_READ)
    ['+.?.', false, true],
    ['...-', false, true],
    ['++++', false, false],
    ['-.-...', true, true], // before v4.14: a RECLAIM_FS pair follows
  ])('usage %s: in hardirq %s, in softirq %s', (usage, hard, soft) => {
    const [c] = parseLockdep(
      `all lock classes:\nffffffff82b6a1e8 FD:    1 BD:    1 ${usage}: x\n\n`,
    );
    expect(c).toMatchObject({ inHardirq: hard, inSoftirq: soft });
  });

  it.each([
    [
      'with CONFIG_DEBUG_LOCKDEP',
      '00000000deadbeef OPS:      12 FD:    3 BD:    5 -.-.: &host->lock',
    ],
    ['without CONFIG_PROVE_LOCKING (v6.x: no counts, no usage)', '00000000deadbeef: &host->lock'],
    ['a name with ": " in it', '00000000deadbeef FD:    1 BD:    1 ....: odd: name'],
  ])('reads a record %s', (_what, line) => {
    const [c] = parseLockdep(`all lock classes:\n${line}\n\n`);
    expect(c.name).toBe(line.includes('odd') ? 'odd: name' : '&host->lock');
  });

  it.each([
    ['all lock classes:\nnot-hex FD: 1 BD: 1 ....: x\n', 2, 'starts with its key in hex'],
    ['all lock classes:\n0000abcd FD:    1 BD:    1 ..: x\n', 2, 'at least four'],
    ['all lock classes:\n0000abcd FD:    1 BD:    1 -.-. x\n', 2, 'no ": " after the usage'],
    ['all lock classes:\n0000abcd FD: BD: 1 ....: x\n', 2, 'FD: without a number'],
    ['all lock classes:\n0000abcd FD:    1 BD:    1 ....: \n', 2, 'no class name'],
    ['all lock classes:\n -> [0000abcd] x\n', 2, 'outside a class record'],
    ['all lock classes:\n0000abcd: x\n -> [zz] y\n', 3, 'expected " -> [key] name"'],
    ['all lock classes:\n0000abcd: x\n\nall lock classes:\n', 4, 'again'],
    ['all lock classes:\n', 1, 'no lock class found'],
  ])('bad input %j is an error at line %d', (text, line, message) => {
    try {
      parseLockdep(text, 'l.txt');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ChainsInputError);
      expect((e as ChainsInputError).line).toBe(line);
      expect((e as Error).message).toContain(message);
      expect((e as Error).message).toMatch(/^l\.txt:\d+: /);
    }
  });

  it('drops a last line without its newline (its name may be cut)', () => {
    const cs = parseLockdep(
      'all lock classes:\n0000abcd: a\n\n0000abce FD:    1 BD:    1 -.-.: &hos',
    );
    expect(cs.map((c) => c.name)).toEqual(['a']);
  });

  it('is linear on hostile input and streams as it parses', async () => {
    expect(() => parseLockdep(`0000abcd ${' '.repeat(60000)}x`)).toThrow(ChainsInputError);
    expect(() => parseLockdep(`${'a'.repeat(70000)}\n`)).toThrow(/a line of 70000 characters/);
    const text = `all lock classes:\n${'00000000deadbeef FD:    1 BD:    1 -.-.: c\n -> [00000000deadbeef] c\n\n'.repeat(30000)}`;
    let n = 0;
    expect(await readLockdepFile(tmp(text), () => void n++)).toBe(30000);
    expect(n).toBe(parseLockdep(text).length);
  });
});

describe('what the usage adds to the chains', () => {
  const usage = parseLockdep(readFileSync(LOCKDEP, 'utf8'));
  const chains = parseChains(readFileSync(KVFREE, 'utf8'));

  it('a class recorded in hardirq context that no chain shows there is checked there alone (check_wait_context() on the context)', () => {
    const c = new ChainChecker(bundledClassTable());
    usage.forEach((u) => c.addUsage(u));
    chains.forEach((ch) => c.check(ch));
    const extra = c.checkUsage();
    const host = extra.find((r) => r.locks[0] === '&host->lock')!;
    expect(host).toMatchObject({ source: 'lockdep', irqContext: 2, line: 19 });
    const kinds = (id: string, vs = host.verdicts) => vs.find((v) => v.id === id)!.kinds;
    // spinlock_t (LD_WAIT_CONFIG) in a hard interrupt that is not threaded (LD_WAIT_SPIN)
    expect(kinds('full/prove')).toEqual(['invalid-wait-context']);
    expect(kinds('full/noprove')).toEqual([]);
    expect(kinds('rt/noprove')).toEqual(['sleeping-in-atomic']);
    // a handler forced into a thread may take it
    expect(host.threadedVerdicts!.every((v) => v.kinds.length === 0)).toBe(true);
    // &pcp->lock and &p->pi_lock have hardirq chains of their own: not checked again there
    expect(extra.some((r) => r.irqContext === 2 && r.locks[0] === '&pcp->lock')).toBe(false);
    expect(c.summary().usage).toEqual({ classes: 8, inHardirq: 4, inSoftirq: 6, checked: 7 });
  });

  it('a failing chain names its classes the usage records in irq context', () => {
    const c = new ChainChecker(bundledClassTable());
    usage.forEach((u) => c.addUsage(u));
    const r = c.check(chains[1])!;
    expect(r.locks).toEqual(['krc.lock', '&zone->lock']);
    expect(r.usage).toEqual({ 'krc.lock': '..-.', '&zone->lock': '..-.' });
  });

  it('without --lockdep nothing changes', () => {
    const c = new ChainChecker(bundledClassTable());
    chains.forEach((ch) => c.check(ch));
    expect(c.checkUsage()).toEqual([]);
    expect(c.summary().usage).toBeUndefined();
  });
});

describe('lockdep chains --lockdep (CLI)', () => {
  it('json: usage results marked source "lockdep", usage per chain, and the usage summary', async () => {
    const r = await runCli(['chains', KVFREE, '--lockdep', LOCKDEP, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as ChainsJson;
    expect(j.chains).toBe(4);
    const host = j.results.find((x) => x.locks[0] === '&host->lock')!;
    expect(host).toMatchObject({ source: 'lockdep', irqContext: 2, index: 7, line: 19 });
    expect(j.results.find((x) => x.index === 1)!.usage).toEqual({
      'krc.lock': '..-.',
      '&zone->lock': '..-.',
    });
    expect(j.summary.usage).toEqual({ classes: 8, inHardirq: 4, inSoftirq: 6, checked: 7 });
  });

  it('text: the usage-only finding, the usage of a failing chain, and the usage line', async () => {
    const r = await runCli(['chains', KVFREE, '--lockdep', LOCKDEP]);
    expect(r.stdout).toContain('hardirq context -> &host->lock: 1 chain');
    expect(r.stdout).toContain(
      'line 19, usage {-.-.}): in hardirq context, in no recorded chain there',
    );
    expect(r.stdout).toContain(
      '/proc/lockdep records in irq context: krc.lock {..-.}, &zone->lock {..-.}',
    );
    expect(r.stdout).toContain('8 classes, 4 recorded in hardirq context and 6 in softirq context');
  });

  it('bad /proc/lockdep input exits 2 with file:line; an unreadable file or a second --lockdep is a usage error', async () => {
    const bad = tmp('all lock classes:\nnope\n');
    const r = await runCli(['chains', KVFREE, '--lockdep', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: a class record starts with its key in hex`);
    expect((await runCli(['chains', KVFREE, '--lockdep', '/no/such/file'])).code).toBe(2);
    const twice = await runCli(['chains', KVFREE, '--lockdep', LOCKDEP, '--lockdep', LOCKDEP]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--lockdep given twice');
  });

  it('a name a --classes catalogue lists as a conflict is unknown, whatever the bundled catalogue says', async () => {
    const t = tmp(
      JSON.stringify({
        classes: {},
        conflicts: [{ name: '&zone->lock', why: 'declared as mutex and spinlock', sites: [] }],
      }),
      'classes.json',
    );
    const r = await runCli(['chains', KVFREE, '--classes', t, '--format', 'json']);
    const j = JSON.parse(r.stdout) as ChainsJson;
    expect(j.unknownClasses).toEqual(['&zone->lock']);
    expect(j.results.some((x) => x.locks.includes('&zone->lock'))).toBe(false);
  });
});
