/**
 * `lockdep check` / `lockdep matrix` in-process: output formats, flag overrides, exit
 * codes (0 clean, 1 violations, 2 bad input or usage), one-line errors.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OPS, VIOLATION_KINDS } from '../../src';
import { runCli } from './helpers';
import type { CheckJson } from '../../src/trace/check';
import type { MatrixJson } from '../../src/cli/output';

const ROOT = path.join(__dirname, '..', '..');
const EX = (f: string) => path.join(ROOT, 'examples', 'traces', f);
const RAW_SPIN = EX('spinlock-under-raw-spinlock.json');
const CLEAN = EX('rcu-read-lock-under-raw-spinlock.json');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tmp(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('lockdep check', () => {
  it('prints the splat and a one-line summary, exit 1', async () => {
    const r = await runCli(['check', RAW_SPIN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('[ BUG: Invalid wait context ]');
    expect(r.stdout).toContain('ffffffff820001c0 (lock_B){....}-{3:3}, at: spin_lock');
    expect(r.stdout).toContain('context-{5:5}');
    const last = r.stdout.trimEnd().split('\n').pop();
    expect(last).toBe(
      `${RAW_SPIN}: 4 events, 1 violation (1 invalid-wait-context) [PREEMPT, PROVE_RAW_LOCK_NESTING=y, DEBUG_ATOMIC_SLEEP=y]`,
    );
  });

  it('separates splats with a blank line', async () => {
    const r = await runCli(['check', EX('mutex-under-spinlock.json')]);
    expect(r.code).toBe(1);
    // the lockdep splat opens with its own empty line, as the kernel's does
    expect(r.stdout).toMatch(
      /^BUG: sleeping function called from invalid context[\s\S]* <\/TASK>\n\n\n=+\n\[ BUG: Invalid wait context \]/,
    );
  });

  it('exits 0 on a clean trace', async () => {
    const r = await runCli(['check', CLEAN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${CLEAN}: 4 events, no violations [PREEMPT, PROVE_RAW_LOCK_NESTING=y, DEBUG_ATOMIC_SLEEP=y]\n`,
    );
  });

  it('lets flags override the trace config', async () => {
    expect((await runCli(['check', RAW_SPIN, '--no-prove-raw-lock-nesting'])).code).toBe(0);
    const rt = await runCli([
      'check',
      RAW_SPIN,
      '--preempt=rt',
      '--no-prove-raw-lock-nesting',
      '--format',
      'json',
    ]);
    expect(rt.code).toBe(1);
    const out = JSON.parse(rt.stdout) as CheckJson;
    expect(out.config).toMatchObject({
      preempt: 'rt',
      proveRawLockNesting: false,
      threadirqs: true,
    });
    expect(out.violations.map((v: { kind: string }) => v.kind)).toEqual(['sleeping-in-atomic']);
  });

  it('--first stops lockdep reports after the first and counts the rest as suppressed', async () => {
    const f = tmp(
      'two.json',
      JSON.stringify({
        'lockdep-trace': 1,
        locks: { r: { type: 'raw_spinlock' }, a: { type: 'spinlock' }, b: { type: 'spinlock' } },
        events: [
          { op: 'lock', lock: 'r' },
          { op: 'lock', lock: 'a' },
          { op: 'lock', lock: 'b' },
        ],
      }),
    );
    const all = JSON.parse((await runCli(['check', f, '--format', 'json'])).stdout) as CheckJson;
    expect(all.summary).toEqual({ events: 3, violations: 2, suppressed: 0 });
    const first = JSON.parse(
      (await runCli(['check', f, '--format', 'json', '--first'])).stdout,
    ) as CheckJson;
    expect(first.summary).toEqual({ events: 3, violations: 1, suppressed: 1 });
    expect(first.config.policy).toBe('first');
  });

  it('prints the documented JSON shape', async () => {
    const r = await runCli(['check', RAW_SPIN, '--format', 'json']);
    const out = JSON.parse(r.stdout) as CheckJson;
    expect(Object.keys(out)).toEqual(['config', 'violations', 'summary']);
    expect(out.summary).toEqual({ events: 4, violations: 1, suppressed: 0 });
    const v = out.violations[0];
    expect(Object.keys(v).slice(0, 6)).toEqual(['kind', 'event', 'task', 'lock', 'title', 'text']);
    expect(v).toMatchObject({
      kind: 'invalid-wait-context',
      event: 1,
      task: 'init',
      pid: 1,
      cpu: 0,
      lock: 'lock_B',
      title: '[ BUG: Invalid wait context ]',
      context: 5,
    });
    expect(v.lockSnapshot).toMatchObject({ name: 'lock_B', outer: 3, inner: 3 });
    expect(VIOLATION_KINDS).toContain(v.kind);
    expect(v.text).toContain('[ BUG: Invalid wait context ]');
  });

  it.each([
    [
      ['check'],
      'lockdep check: missing <trace> (a file, or - for stdin; see lockdep check --help)',
    ],
    [['check', 'a', 'b'], 'lockdep check: one trace at a time, got 2: a b'],
    [
      ['check', 'x.json', '--preempt', 'fast'],
      'lockdep check: option --preempt: found "fast", expected none | voluntary | full | rt',
    ],
    [
      ['check', 'x.json', '--preempt'],
      'lockdep check: option --preempt needs a value: none | voluntary | full | rt',
    ],
    [
      ['check', 'x.json', '--colour'],
      'lockdep check: unknown option --colour (see lockdep check --help)',
    ],
    [['check', 'x.json', '--first=yes'], 'lockdep check: option --first takes no value'],
    [
      ['matrix', 'x.json', '--preempt', 'rt'],
      'lockdep matrix: --preempt does not apply: matrix replays every preemption model with PROVE_RAW_LOCK_NESTING on and off (see lockdep check for one configuration)',
    ],
    [
      ['matrix', 'x.json', '--colour'],
      'lockdep matrix: unknown option --colour (see lockdep matrix --help)',
    ],
    [
      ['frobnicate'],
      'lockdep: unknown command "frobnicate" (commands: check, matrix, graph, explain, scenarios, catalogue, chains, help)',
    ],
    [
      ['help', 'frob'],
      'lockdep help: no command "frob" (commands: check, matrix, graph, explain, scenarios, catalogue, chains)',
    ],
  ])('usage error %j exits 2 with one line', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n`);
  });

  it('bad input exits 2 with one located line on stderr, no stack trace', async () => {
    const f = tmp(
      'bad.json',
      '{\n  "lockdep-trace": 1,\n  "events": [\n    {"op": "lock", "lock": "nope"}\n  ]\n}\n',
    );
    const r = await runCli(['check', f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${f}:4:28: /events/0/lock: found "nope", expected a lock declared in "locks" (rcu_read_lock, rcu_read_lock_bh, rcu_read_lock_sched)\n`,
    );
  });

  it('a config contradicted by a flag exits 2', async () => {
    const f = tmp(
      'noirqthreads.json',
      '{"lockdep-trace": 1, "config": {"threadirqs": false}, "events": []}',
    );
    const r = await runCli(['check', f, '--preempt', 'rt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${f}:1:47: /config/threadirqs: invalid kernel config: threadirqs: PREEMPT_RT forces threaded interrupts; threadirqs: false contradicts preempt: "rt"\n`,
    );
  });

  it('a missing file exits 2', async () => {
    const r = await runCli(['check', path.join(dir, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path.join(dir, 'nope.json')}: cannot read the trace: no such file\n`);
  });

  it('prints no progress when stderr is not a terminal', async () => {
    expect((await runCli(['check', RAW_SPIN])).stderr).toBe('');
  });
});

describe('lockdep matrix', () => {
  it('prints one row per distinct violation with the configurations it fires in', async () => {
    const r = await runCli(['matrix', RAW_SPIN]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${RAW_SPIN}: 4 events under 8 configurations (DEBUG_ATOMIC_SLEEP=y)`);
    expect(lines).toContain(
      'invalid-wait-context lock_B  x    .     x    .     x    .     x    .     PROVE_RAW_LOCK_NESTING=y only',
    );
    expect(lines).toContain(
      'sleeping-in-atomic -         .    .     .    .     .    .     x    x     PREEMPT_RT only',
    );
  });

  it('prints per-configuration results as JSON', async () => {
    const r = await runCli(['matrix', RAW_SPIN, '--format', 'json']);
    const out = JSON.parse(r.stdout) as MatrixJson;
    expect(out.configs.map((c: { id: string }) => c.id)).toEqual([
      'none/prove',
      'none/noprove',
      'voluntary/prove',
      'voluntary/noprove',
      'full/prove',
      'full/noprove',
      'rt/prove',
      'rt/noprove',
    ]);
    for (const c of out.configs) expect(c.config.debugAtomicSleep).toBe(true);
    expect(out.configs[1].summary).toEqual({ events: 4, violations: 0, suppressed: 0 });
    expect(out.rows).toEqual([
      {
        kind: 'invalid-wait-context',
        lock: 'lock_B',
        fires: ['none/prove', 'voluntary/prove', 'full/prove', 'rt/prove'],
        when: 'PROVE_RAW_LOCK_NESTING=y only',
      },
      {
        kind: 'sleeping-in-atomic',
        lock: null,
        fires: ['rt/prove', 'rt/noprove'],
        when: 'PREEMPT_RT only',
      },
    ]);
    expect(out.summary).toEqual({ configurations: 8, violating: 5, rows: 2 });
  });

  it('exits 0 when no configuration reports', async () => {
    const r = await runCli(['matrix', CLEAN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no violations in any of the 8 configurations');
  });
});

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await runCli(['--version'])).toEqual({
      code: 0,
      stdout: `lockdep ${pkg.version}\n`,
      stderr: '',
    });
  });

  it('every command has --help; check lists every op of the op table', async () => {
    for (const argv of [['--help'], ['check', '--help'], ['matrix', '-h'], ['help', 'check']]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: lockdep/);
    }
    const check = (await runCli(['check', '--help'])).stdout;
    for (const op of Object.keys(OPS)) expect(check).toContain(`  ${op} `);
  });

  it('no arguments prints usage on stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: lockdep <command>/);
  });
});

describe('bin/lockdep.js', () => {
  beforeAll(() => {
    // the launcher needs the compiled CLI; build once if this checkout has not
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')))
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  it('runs the README example from the compiled dist: splat on stdout, exit 1', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/lockdep.js', 'check', 'examples/traces/spinlock-under-raw-spinlock.json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[ BUG: Invalid wait context ]');
    expect(r.stderr).toBe('');
  });
});
