/** `lockdep scenarios`: the kvfree_rcu() strategy matrix from the command line. */
import { runCli } from './helpers';

describe('lockdep scenarios', () => {
  it('prints the matrix: the v5.9 code splats on zone->lock with PROVE_RAW_LOCK_NESTING, the worker fix does not', async () => {
    const r = await runCli([
      'scenarios',
      '--strategy',
      'v5.9,worker',
      '--config',
      'none,full+prln',
      '--caller',
      'raw',
      '--state',
      'pcp-empty',
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .split('\n')
      .filter((l) => / raw /.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows).toEqual([
      ['v5.9', 'none', 'raw', 'BULK'],
      ['v5.9', 'full+prln', 'raw', 'IWC:zone BULK'],
      ['worker', 'none', 'raw', 'LIST'],
      ['worker', 'full+prln', 'raw', 'LIST'],
    ]);
  });

  it('JSON lists every cell with its splats and placement', async () => {
    const r = await runCli([
      'scenarios',
      '--strategy',
      'v5.9',
      '--config',
      'rt',
      '--caller',
      'raw',
      '--state',
      'pcp-empty',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      cells: { strategy: string; placement: string; splats: string[] }[];
    };
    expect(out.cells).toHaveLength(1);
    // v5.9 skips the allocation on PREEMPT_RT (the "!IS_ENABLED(CONFIG_PREEMPT_RT)" check): the object goes to the list
    expect(out.cells[0]).toMatchObject({ strategy: 'v5.9', placement: 'list', splats: [] });
  });

  it('--counters shows the ~8x fewer cache misses of bulk blocks', async () => {
    const r = await runCli([
      'scenarios',
      '--counters',
      '--strategy',
      'v5.9',
      '--config',
      'full',
      '--objects',
      '2000',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const [res] = JSON.parse(r.stdout) as { counters: { bulk: number; cacheMissesBulk: number } }[];
    expect(res.counters.bulk).toBe(2000);
    expect(2000 / res.counters.cacheMissesBulk).toBeGreaterThan(7);
    expect(2000 / res.counters.cacheMissesBulk).toBeLessThan(8.5);
  });

  it.each([
    [
      ['scenarios', '--strategy', 'bogus'],
      'lockdep scenarios: option --strategy: found "bogus", expected one of',
    ],
    [
      ['scenarios', '--objects', '0'],
      'lockdep scenarios: option --objects: found "0", expected an integer 1..10000000',
    ],
    [['scenarios', 'extra'], 'lockdep scenarios: unknown argument "extra"'],
    [['scenarios', '--caller'], 'lockdep scenarios: option --caller needs a value'],
  ])('rejects bad usage %j with exit 2', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('has help', async () => {
    const r = await runCli(['help', 'scenarios']);
    expect(r.stdout).toMatch(/^Usage: lockdep scenarios/);
  });
});
