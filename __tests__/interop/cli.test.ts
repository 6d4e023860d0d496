/** `lockdep explain` and `lockdep check --from-ftrace` through the CLI entry, in process. */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../src/cli/main';
import { explainText, explanationToJson } from '../../src/interop/explain';
import { catalogueLockType } from '../../src/interop/catalogue/lookup';

const REPORTS = join(__dirname, '..', 'fixtures', 'kernel-reports');
const FTRACE = join(__dirname, '..', 'fixtures', 'ftrace');

async function run(argv: string[], stdin?: string) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    ...(stdin !== undefined ? { stdin: () => stdin } : {}),
  });
  return { code, out, err };
}

describe('lockdep explain', () => {
  it('explains every report of a file and exits 0', async () => {
    const r = await run(['explain', join(REPORTS, 'multi.txt')]);
    expect(r.code).toBe(0);
    expect(r.out.match(/^Report \d+ /gm)).toHaveLength(7);
    expect(r.err).toBe('');
  });

  it('--format json: one object per report with kind, task, lock, held, culprit, verdicts', async () => {
    const r = await run(['explain', '--format', 'json', join(REPORTS, 'iwc-raw-spinlock.txt')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.exitCode).toBe(0);
    expect(j.reports[0]).toMatchObject({
      ok: true,
      kind: 'invalid-wait-context',
      task: { comm: 'swapper/0', pid: 1 },
      lock: { name: '&zone->lock', type: 'spinlock', outer: 3, inner: 3 },
      proveRawLockNesting: true,
      context: 'task',
      culprit: { name: 'krc.lock', index: 1, limit: 2 },
      reproduced: true,
    });
    expect(j.reports[0].held.map((h: { name: string }) => h.name)).toEqual([
      'rcu_read_lock',
      'krc.lock',
    ]);
    expect(j.reports[0].verdicts).toHaveLength(8);
    expect(
      j.reports[0].verdicts.find((v: { id: string }) => v.id === 'full/noprove').kinds,
    ).toEqual([]);
  });

  it('reads stdin with -', async () => {
    const r = await run(['explain', '-'], readFileSync(join(REPORTS, 'iwc-rt.txt'), 'utf8'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/culprit: {2}&priv->stats_lock/);
  });

  it('exits 2 and names the line of a report it cannot parse', async () => {
    const file = join(REPORTS, 'unparsable.txt');
    const r = await run(['explain', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${file}:6:16: found "this line was mangled by the mail client", expected the lock being acquired as \`<address> (<name>){<usage>}-{<outer>:<inner>}, at: <site>\`\n`,
    );
    // the error is printed once, on stderr
    expect(r.out).not.toMatch(/expected the lock/);
  });

  it('--emit-trace writes a trace that lockdep check replays to the same verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockdep-explain-'));
    const trace = join(dir, 'iwc.json');
    const r = await run([
      'explain',
      '--emit-trace',
      trace,
      join(REPORTS, 'iwc-rcu-sched-quoted.txt'),
    ]);
    expect(r.code).toBe(0);
    const c = await run(['check', '--format', 'json', trace]);
    expect(c.code).toBe(1);
    const j = JSON.parse(c.out);
    expect(j.violations.map((v: { kind: string; lock: string }) => `${v.kind} ${v.lock}`)).toEqual([
      'invalid-wait-context &port_lock_key',
    ]);
    const m = await run(['matrix', '--format', 'json', trace]);
    const row = JSON.parse(m.out).rows.find(
      (x: { kind: string }) => x.kind === 'invalid-wait-context',
    );
    expect(row.fires).toEqual(['none/prove', 'voluntary/prove', 'full/prove', 'rt/prove']);
  });

  it('rejects unknown options', async () => {
    const r = await run(['explain', '--bogus', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --bogus/);
  });
});

describe('lockdep check --from-ftrace', () => {
  it('replays ftrace text and lists unknown lock names', async () => {
    const r = await run([
      'check',
      '--from-ftrace',
      join(FTRACE, 'mixed.txt'),
      '--preempt',
      'full',
      '--prove-raw-lock-nesting',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\[ BUG: Invalid wait context \]/);
    expect(r.out).toMatch(
      /unknown lock names \(replayed as unchecked maps, wait type INV; add them to --classes\): 3/,
    );
  });
  it('--classes makes every name known; JSON carries the import summary', async () => {
    const r = await run([
      'check',
      '--from-ftrace',
      join(FTRACE, 'mixed.txt'),
      '--classes',
      join(FTRACE, 'classes.json'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.ftrace.unknownLocks).toEqual([]);
    expect(j.violations.map((v: { kind: string }) => v.kind)).toEqual([
      'invalid-wait-context',
      'invalid-wait-context',
    ]);
  });
  it('a missing file is bad input (exit 2)', async () => {
    const r = await run(['check', '--from-ftrace', join(FTRACE, 'nope.txt')]);
    expect(r.code).toBe(2);
  });

  it('a machine with 301 CPUs replays (was exit 3, internal error: [object Object])', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'lockdep-ft-')), 'big.txt');
    writeFileSync(
      f,
      [
        '  insmod-1234 [300] d..1. 1.000001: lock_acquire: 0xff01 &zone->lock',
        '  insmod-1234 [300] d..1. 1.000002: lock_release: 0xff01 &zone->lock',
      ].join('\n'),
    );
    const r = await run(['check', '--from-ftrace', f, '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).ftrace).toMatchObject({ cpus: 301, tasks: 1, lockEvents: 2 });
  });

  it('--max-line-length: a longer line is a located error (exit 2); the flag is checked', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'lockdep-ft-')), 'long.txt');
    writeFileSync(f, `# tracer: nop\n${'x'.repeat(300)}\n`);
    const r = await run(['check', '--from-ftrace', f, '--max-line-length', '100']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${f}:2:101: found a line of 300 bytes, expected at most 100 (--max-line-length raises the limit)\n`,
    );
    const bad = await run(['check', '--from-ftrace', f, '--max-line-length=lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/option --max-line-length: found "lots", expected a number of bytes/);
    const alone = await run(['check', 'x.json', '--max-line-length', '100']);
    expect(alone.err).toMatch(/--max-line-length applies to --from-ftrace only/);
  });

  it('--classes with a regex pattern: located error, exit 2, no hang', async () => {
    const d = mkdtempSync(join(tmpdir(), 'lockdep-ft-'));
    const c = join(d, 'c.json');
    writeFileSync(c, '{\n  "patterns": [ { "match": "(a+)+$", "type": "mutex" } ]\n}\n');
    const r = await run(['check', '--from-ftrace', join(FTRACE, 'mixed.txt'), '--classes', c]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `^${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:28: patterns\\[0\\]\\.match: found`,
      ),
    );
  });
});

describe('lockdep explain and the bundled catalogue (issue 12: "explain uses it to name a lock\'s primitive")', () => {
  it('names &ctx->completion_lock a spinlock_t from the catalogue, as evidence of the numbering', async () => {
    const file = join(REPORTS, 'real', 'iwc-io-uring-6.13-raw-timeout-lock.txt');
    const text = readFileSync(file, 'utf8');
    const r = await run(['explain', file, '--format', 'json']);
    const cli = JSON.parse(r.out) as unknown;
    // the CLI's answer is the library's with the bundled catalogue plugged in ...
    expect(cli).toEqual(
      JSON.parse(
        JSON.stringify(explanationToJson(explainText(text, { catalogue: catalogueLockType }))),
      ),
    );
    // ... which knows a lock the report alone does not type
    expect(r.out).toContain('(&ctx->completion_lock) is a spinlock_t printed {3:3}');
    expect(JSON.stringify(explanationToJson(explainText(text)))).not.toContain(
      '(&ctx->completion_lock) is a spinlock_t',
    );
  });
});
