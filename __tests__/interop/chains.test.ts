/**
 * `lockdep chains`: /proc/lockdep_chains as kernel/locking/lockdep_proc.c's lc_show()
 * prints it, each chain replayed in its irq_context (LOCK_CHAIN_SOFTIRQ_CONTEXT = 1,
 * LOCK_CHAIN_HARDIRQ_CONTEXT = 2, lockdep_internals.h) under the 8 configurations.
 */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { MATRIX_CONFIG_IDS } from '../../src';
import { bundledClassTable } from '../../src/interop/catalogue/lookup';
import { ChainChecker } from '../../src/interop/chains/check';
import { ChainsInputError, parseChains, readChainsFile } from '../../src/interop/chains/parse';
import type { ChainsJson } from '../../src/interop/chains/report';
import { runCli } from '../cli/helpers';

const SAMPLE = join(__dirname, '..', 'fixtures', 'lockdep-chains', 'sample.txt');

function tmp(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'lockdep-chains-')), 'chains.txt');
  writeFileSync(f, text);
  return f;
}

describe('reading /proc/lockdep_chains (lc_show())', () => {
  it('reads the header, irq_context, [key] name lines, blank separators and a cut-off last chain', async () => {
    const chains: { irqContext: number; locks: readonly string[] }[] = [];
    const n = await readChainsFile(SAMPLE, (c) => chains.push(c));
    expect(n).toBe(10);
    expect(chains[0]).toMatchObject({ irqContext: 0, locks: ['rtnl_mutex', '&u->lock'] });
    expect(chains[2]).toMatchObject({ irqContext: 2, locks: ['&rq->__lock', '&p->pi_lock'] });
    expect(chains[6].locks).toEqual(['&rq->__lock', '&rq->__lock/1']);
    // the file ends inside a lock line: that line is dropped, the chain kept
    expect(chains[9].locks).toEqual(['rtnl_mutex']);
  });

  it('streams in chunks exactly as parseChains reads the whole text', async () => {
    const text =
      'all lock chains:\n' +
      'irq_context: 0\n[0000000000000001] a\n[0000000000000002] b\n\n'.repeat(50000);
    const f = tmp(text);
    let streamed = 0;
    await readChainsFile(f, () => void streamed++);
    expect(streamed).toBe(parseChains(text).length);
    expect(streamed).toBe(50000);
  });

  it.each([
    [
      'irq_context: 0\n[00000001] a\ngarbage here\n',
      3,
      'expected "irq_context: N", "[key] name" or a blank line',
    ],
    ['[00000001] a\n', 1, 'before any "irq_context:"'],
    ['irq_context: 7\n[1] a\n', 1, 'is not 0-3'],
    ['irq_context: constructor\n[1] a\n', 1, 'is not 0-3'],
    ['irq_context: 0\n[00000001]\n', 2, 'without a class name'],
    ['', 1, 'no lock chain found'],
  ])('bad input %j is an error at line %d', (text, line, message) => {
    try {
      parseChains(text, 'f.txt');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ChainsInputError);
      expect((e as ChainsInputError).line).toBe(line);
      expect((e as Error).message).toContain(message);
      expect((e as Error).message.startsWith(`f.txt:${line}: `)).toBe(true);
    }
  });

  it('a line longer than any lc_show() prints is located bad input, streamed or not', async () => {
    const text = `irq_context: 0\n[1] ${'x'.repeat(200000)}\n`;
    expect(() => parseChains(text, 'f.txt')).toThrow(/^f\.txt:2: a line of 200004 characters/);
    await expect(
      readChainsFile(tmp(`irq_context: 0\n[1] ${'x'.repeat(3 << 20)}`), () => {}),
    ).rejects.toThrow(ChainsInputError);
  });

  it('invalid UTF-8 is located bad input, as in traces and ftrace files (a U+FFFD could merge two names)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chains-utf8-'));
    const bad = join(dir, 'bad.txt');
    writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from('irq_context: 0\n[1] caf\u00e9_lock\n[2] '),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('\n'),
      ]),
    );
    await expect(readChainsFile(bad, () => {})).rejects.toThrow(/bad\.txt:3: invalid UTF-8$/);
    // a character cut by the 1 MiB chunk boundary is whole again, not an error
    const split = join(dir, 'split.txt');
    let text = 'irq_context: 0\n';
    while (text.length < (1 << 20) - 3000) text += `[1] ${'x'.repeat(1000)}\n`;
    // the last line's \u00e9 starts at the chunk's last byte: its second byte is in the next chunk
    text += `[2] ${'y'.repeat((1 << 20) - 1 - text.length - 4)}\u00e9\n`;
    writeFileSync(split, text);
    const seen: string[][] = [];
    await readChainsFile(split, (c) => seen.push([...c.locks]));
    const last = seen[0][seen[0].length - 1];
    expect(last.endsWith('y\u00e9')).toBe(true);
  });

  it('accepts the irq_context names a proposed lockdep_proc.c patch prints', () => {
    const c = parseChains('irq_context: hardirq|softirq\n[1] a\n\nirq_context: softirq\n[2] b\n');
    expect(c.map((x) => x.irqContext)).toEqual([3, 1]);
  });
});

describe('replaying chains under the 8 configurations', () => {
  const check = (irqContext: 0 | 1 | 2 | 3, locks: string[]) =>
    new ChainChecker(bundledClassTable()).check({ index: 0, line: 1, irqContext, locks });
  const fires = (vs: readonly { id: string; kinds: readonly string[] }[] | undefined) =>
    (vs ?? []).filter((v) => v.kinds.length).map((v) => v.id);

  it('krc.lock -> &zone->lock in a task: invalid wait context with PROVE_RAW_LOCK_NESTING=y, and PREEMPT_RT', () => {
    const r = check(0, ['krc.lock', '&zone->lock'])!;
    expect(r.verdicts.map((v) => v.id)).toEqual([...MATRIX_CONFIG_IDS]);
    expect(fires(r.verdicts)).toEqual([
      'none/prove',
      'voluntary/prove',
      'full/prove',
      'rt/prove',
      'rt/noprove',
    ]);
    expect(r.verdicts.find((v) => v.id === 'full/prove')!.kinds).toEqual(['invalid-wait-context']);
    expect(r.pair).toEqual({ held: 'krc.lock', taken: '&zone->lock' });
    expect(r.threadedVerdicts).toBeUndefined();
  });

  it('raw_spinlock inside raw_spinlock is clean everywhere', () => {
    expect(check(0, ['&rq->__lock', '&rq->__lock/1'])).toBeNull();
    expect(check(2, ['&rq->__lock', '&p->pi_lock'])).toBeNull();
  });

  it('a hard-irq chain gets both answers: the spinlock is fine in a threaded handler only', () => {
    const r = check(2, ['&pcp->lock'])!;
    expect(fires(r.verdicts)).toContain('full/prove');
    expect(fires(r.threadedVerdicts)).toEqual([]);
    expect(r.pair).toEqual({ held: 'hardirq context', taken: '&pcp->lock' });
  });

  it('a chain with an unknown class is skipped and the class listed, never guessed', () => {
    const c = new ChainChecker(bundledClassTable());
    expect(
      c.check({ index: 0, line: 1, irqContext: 0, locks: ['krc.lock', 'mystery_lock'] }),
    ).toBeNull();
    expect(c.summary()).toMatchObject({ chains: 1, skipped: 1, unknownClasses: ['mystery_lock'] });
  });

  it('replays one shape once: chains that repeat a (context, type sequence) share the verdict', () => {
    const c = new ChainChecker(bundledClassTable());
    for (let i = 0; i < 100; i++)
      c.check({
        index: i,
        line: i,
        irqContext: 0,
        locks: ['krc.lock', i % 2 ? '&zone->lock' : '&pcp->lock'],
      });
    expect(c.summary().shapes).toBe(1);
    expect(c.summary().failing.find((f) => f.id === 'full/prove')!.chains).toBe(100);
  });
});

describe('lockdep chains (CLI)', () => {
  it('text: findings grouped by the first offending pair, the splat, what a chain cannot see, a summary; exit 1', async () => {
    const r = await runCli(['chains', SAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('krc.lock -> &zone->lock: 2 chains');
    expect(r.stdout).toContain('[ BUG: Invalid wait context ]');
    expect(r.stdout).toContain('hardirq context -> &pcp->lock: 1 chain');
    expect(r.stdout).toContain('handler threaded:     clean everywhere');
    expect(r.stdout).toContain('trylocks');
    expect(r.stdout).toMatch(
      /^summary: 10 chains read, 0 classes unknown \(0 chains skipped\), 3 findings; chains failing per configuration: none\/prove 4, none\/noprove 1,/m,
    );
  });

  it('json: chains, unknownClasses, results with explain-style verdicts', async () => {
    const f = tmp(
      'irq_context: 0\n[1] krc.lock\n[2] &zone->lock\n\nirq_context: 0\n[3] who_knows\n\nirq_context: 0\n[4] rtnl_mutex\n\n',
    );
    const r = await runCli(['chains', f, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as ChainsJson;
    expect(j.chains).toBe(3);
    expect(j.unknownClasses).toEqual(['who_knows']);
    expect(j.results).toHaveLength(1);
    expect(j.results[0]).toMatchObject({
      index: 0,
      irqContext: 0,
      locks: ['krc.lock', '&zone->lock'],
    });
    expect(j.results[0].verdicts[0]).toEqual({ id: 'none/prove', kinds: ['invalid-wait-context'] });
  });

  it('--classes tables are layered over the bundled catalogue (later wins)', async () => {
    const f = tmp('irq_context: 0\n[1] krc.lock\n[2] my_lock\n\n');
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-classes-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({ classes: { my_lock: 'spinlock' } }));
    writeFileSync(b, JSON.stringify({ classes: { my_lock: 'raw_spinlock' } }));
    expect((await runCli(['chains', f, '--classes', a])).code).toBe(1);
    expect((await runCli(['chains', f, '--classes', a, '--classes', b])).code).toBe(0);
  });

  it('clean chains exit 0; bad input exits 2 with file:line', async () => {
    const clean = tmp('all lock chains:\nirq_context: 0\n[1] rtnl_mutex\n[2] &u->lock\n\n');
    const ok = await runCli(['chains', clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('no chain fails under any configuration');
    const bad = tmp('irq_context: 0\n[1] a\nnot a chain line\n');
    const r = await runCli(['chains', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: expected`);
  });

  it('escapes control characters in names', async () => {
    const f = tmp('irq_context: 0\n[1] krc.lock\n[2] &zone->lock\n\n');
    const evil = tmp('irq_context: 0\n[1] krc.lock\n[2] \u001b[2Jevil\n\n');
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-classes-'));
    const t = join(dir, 't.json');
    writeFileSync(t, JSON.stringify({ classes: { '\u001b[2Jevil': 'spinlock' } }));
    const r = await runCli(['chains', evil, '--classes', t]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('\\x1b[2Jevil');
    expect((await runCli(['chains', f])).code).toBe(1);
  });
});
