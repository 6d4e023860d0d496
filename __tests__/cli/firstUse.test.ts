/**
 * What a first-time user runs into: stdin `-`, wrong paths (a directory, a binary file,
 * an empty ftrace), options another command or mode would ignore. Every such mistake is
 * one line on stderr and exit 2, never an internal error (3) or a silent "clean" (0).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OPS } from '../../src';
import { runCli } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const RAW_SPIN = path.join(ROOT, 'examples', 'traces', 'spinlock-under-raw-spinlock.json');
const CYCLE = path.join(ROOT, 'examples', 'traces', 'three-lock-cycle.json');
const FTRACE = path.join(ROOT, '__tests__', 'fixtures', 'ftrace', 'mixed.txt');
const REPORT = path.join(ROOT, '__tests__', 'fixtures', 'kernel-reports', 'iwc-raw-spinlock.txt');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-first-use-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tmp(name: string, content: string | Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

async function usageError(argv: string[], message: string | RegExp): Promise<void> {
  const r = await runCli(argv);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  if (typeof message === 'string') expect(r.stderr).toBe(`${message}\n`);
  else expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('help', () => {
  it.each([[['help', '--help']], [['help', 'help']], [['help', '-h']]])(
    '%j prints the overview, exit 0',
    async (argv) => {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: lockdep <command>/);
    },
  );

  it('check --help lines every op summary up in one column, long names included', async () => {
    const lines = (await runCli(['check', '--help'])).stdout.split('\n');
    const columns = new Set<number>();
    for (const [op, spec] of Object.entries(OPS)) {
      const line = lines.find((l) => l.startsWith(`  ${op} `));
      expect(line).toBeDefined();
      columns.add(line!.indexOf(spec.summary));
    }
    expect(columns.size).toBe(1);
  });
});

describe('- reads the trace from stdin', () => {
  const trace = fs.readFileSync(RAW_SPIN, 'utf8');

  it('check: the same splat, named <stdin> in the summary', async () => {
    const r = await runCli(['check', '-'], { stdin: trace });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[ BUG: Invalid wait context ]');
    expect(r.stdout.trimEnd().split('\n').pop()).toBe(
      '<stdin>: 4 events, 1 violation (1 invalid-wait-context) [PREEMPT, PROVE_RAW_LOCK_NESTING=y, DEBUG_ATOMIC_SLEEP=y]',
    );
  });

  it('check: errors are located in <stdin>', async () => {
    const r = await runCli(['check', '-'], { stdin: '{"lockdep-trace":1}\n{"op":"lokc"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^<stdin>:2:7: \/events\/0\/op: found "lokc", expected an op \(did you mean "lock"\?\): /,
    );
  });

  it('matrix and graph read it too', async () => {
    const m = await runCli(['matrix', '-'], { stdin: trace });
    expect(m.code).toBe(1);
    expect(m.stdout.split('\n')[0]).toBe(
      '<stdin>: 4 events under 8 configurations (DEBUG_ATOMIC_SLEEP=y)',
    );
    const g = await runCli(['graph', '-', '--format', 'mermaid'], {
      stdin: fs.readFileSync(CYCLE, 'utf8'),
    });
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('title: stdin\n');
    expect(g.stdout).toContain('c3 -.->|new| c1');
  });
});

describe('lockdep graph', () => {
  it('parses options like check: -- ends them, --format=mermaid', async () => {
    const r = await runCli(['graph', '--format=mermaid', '--', CYCLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('flowchart LR');
  });

  it.each([
    [['graph', CYCLE, '--format'], 'lockdep graph: option --format needs a value: dot | mermaid'],
    [
      ['graph', CYCLE, '--prove-raw-lock-nesting=no'],
      'lockdep graph: option --prove-raw-lock-nesting takes no value',
    ],
    [
      ['graph', CYCLE, '--first'],
      'lockdep graph: unknown option --first (see lockdep graph --help)',
    ],
    [
      ['graph'],
      'lockdep graph: missing <trace> (a file, or - for stdin; see lockdep graph --help)',
    ],
  ])('%j exits 2', async (argv, message) => usageError(argv, message));

  it('reports an unreadable trace as check does', async () => {
    await usageError(['graph', dir], `${dir}: cannot read the trace: is a directory`);
    await usageError(
      ['graph', path.join(dir, 'nope.json')],
      `${path.join(dir, 'nope.json')}: cannot read the trace: no such file`,
    );
  });
});

describe('lockdep explain', () => {
  it.each([
    [
      ['explain'],
      'lockdep explain: missing <file> (a kernel log, or - for stdin; see lockdep explain --help)',
    ],
    [['explain', 'a', 'b'], 'lockdep explain: one file at a time, got 2: a b'],
  ])('%j exits 2', async (argv, message) => usageError(argv, message));

  it('names why a file cannot be read, without Node error codes', async () => {
    await usageError(['explain', dir], `lockdep explain: cannot read ${dir}: is a directory`);
    await usageError(
      ['explain', path.join(dir, 'nope.txt')],
      `lockdep explain: cannot read ${path.join(dir, 'nope.txt')}: no such file`,
    );
  });

  it('refuses a binary file instead of echoing it as "no report found"', async () => {
    const bin = tmp(
      'vmlinux',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x0a, 0x1b, 0x5b]),
    );
    await usageError(
      ['explain', bin],
      `lockdep explain: ${bin} is not text (a NUL byte at offset 7); expected a kernel log`,
    );
  });

  it('an --emit-trace it cannot write is a usage error, not an internal one', async () => {
    const target = path.join(dir, 'no-such-dir', 'x.json');
    await usageError(
      ['explain', '--emit-trace', target, REPORT],
      `lockdep explain: --emit-trace: cannot write ${target}: no such directory`,
    );
  });

  it('a bad --classes file is named in the message', async () => {
    const classes = tmp('bad-classes.json', '{"classes":{"a":"spinlok"}}');
    await usageError(
      ['explain', REPORT, '--classes', classes],
      new RegExp(
        `^${classes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:17: classes\\.a: unknown lock type "spinlok"`,
      ),
    );
  });
});

describe('lockdep check --from-ftrace', () => {
  it('a directory is bad input (2), not an internal error (3)', async () => {
    await usageError(
      ['check', '--from-ftrace', dir],
      `lockdep check: cannot read ${dir}: is a directory`,
    );
  });

  it('stdin is refused with the reason', async () => {
    await usageError(
      ['check', '--from-ftrace', '-'],
      'lockdep check: --from-ftrace reads a file, not stdin (a CPU first seen after line 65,536 makes it read the file again)',
    );
  });

  it('a file with no lock event (and so no report) is bad input, not a clean trace', async () => {
    const empty = tmp('empty.txt', '');
    await usageError(
      ['check', '--from-ftrace', empty],
      `lockdep check: ${empty}: no lock events in 0 lines (expected lock:lock_acquire/lock_release: enable events/lock, which needs CONFIG_LOCKDEP; see docs/interop.md)`,
    );
    const other = tmp(
      'sched.txt',
      '# tracer: nop\n#\n          <idle>-0       [000] d..2.   100.000001: sched_switch: prev_comm=swapper/0\n',
    );
    await usageError(
      ['check', '--from-ftrace', other],
      /: no lock events in 3 lines \(expected lock:lock_acquire/,
    );
  });

  it('a real trace still replays', async () => {
    const r = await runCli(['check', '--from-ftrace', FTRACE, '--preempt', 'full']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    // the summary names the file as given, as plain `check` does
    expect(r.stdout).toMatch(
      new RegExp(`^${FTRACE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ events?, `, 'm'),
    );
  });
});

describe('lockdep scenarios refuses options its mode would ignore', () => {
  it.each([
    [['scenarios', '--objects', '5'], 'lockdep scenarios: --objects applies to --counters only'],
    [
      ['scenarios', '--counters', '--caller', 'raw'],
      'lockdep scenarios: --caller does not apply to --counters (the workload frees from task context)',
    ],
    [
      ['scenarios', '--counters', '--state', 'cache'],
      'lockdep scenarios: --state does not apply to --counters (the workload runs the allocator as it evolves)',
    ],
    [
      ['scenarios', '--counters', '--call', 'kfree_rcu,kvfree_rcu_headless'],
      'lockdep scenarios: --counters runs one --call at a time',
    ],
  ])('%j exits 2', async (argv, message) => usageError(argv, message));
});

describe('lockdep matrix', () => {
  it.each(['--no-prove-raw-lock-nesting', '--debug-atomic-sleep'])(
    '%s says why it does not apply',
    async (flag) => {
      await usageError(
        ['matrix', RAW_SPIN, flag],
        new RegExp(
          `^lockdep matrix: ${flag} does not apply: matrix .*\\(see lockdep check for one configuration\\)$`,
        ),
      );
    },
  );
});
