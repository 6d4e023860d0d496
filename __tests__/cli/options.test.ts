/**
 * Option handling every command shares: an option given twice or contradicted is a usage
 * error naming both (docs/cli.md), help is the same by every route and is generated from
 * the option specs, output files are never clobbered.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const TRACE = path.join(ROOT, 'examples', 'traces', 'spinlock-under-raw-spinlock.json');
const REPORT = path.join(ROOT, '__tests__', 'fixtures', 'kernel-reports');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-options-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function usage(argv: string[]): Promise<string> {
  const r = await runCli(argv);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  return r.stderr.trimEnd();
}

describe('repeated or contradictory options exit 2 naming both', () => {
  it.each([
    [
      ['check', TRACE, '--prove-raw-lock-nesting', '--no-prove-raw-lock-nesting'],
      'lockdep check: --prove-raw-lock-nesting and --no-prove-raw-lock-nesting contradict; give one of them',
    ],
    [
      ['check', TRACE, '--format', 'json', '--format=text'],
      'lockdep check: --format given twice (--format json, --format text); give it once',
    ],
    [
      ['check', TRACE, '--preempt', 'rt', '--preempt', 'none'],
      'lockdep check: --preempt given twice (--preempt rt, --preempt none); give it once',
    ],
    [
      ['check', TRACE, '--debug-atomic-sleep', '--no-debug-atomic-sleep'],
      'lockdep check: --debug-atomic-sleep and --no-debug-atomic-sleep contradict; give one of them',
    ],
    [
      ['check', TRACE, '-q', '--quiet'],
      'lockdep check: --quiet given twice (-q, --quiet); give it once',
    ],
    [
      ['matrix', TRACE, '--format', 'json', '--format', 'json'],
      'lockdep matrix: --format given twice (--format json, --format json); give it once',
    ],
    [
      ['graph', TRACE, '--format', 'dot', '--format', 'mermaid'],
      'lockdep graph: --format given twice (--format dot, --format mermaid); give it once',
    ],
    [
      ['check', '--from-ftrace', 'a.txt', '--from-ftrace', 'b.txt'],
      'lockdep check: --from-ftrace given twice (--from-ftrace a.txt, --from-ftrace b.txt); give it once',
    ],
    [
      ['explain', 'r.txt', '--emit-trace', 'a.json', '--emit-trace', 'b.json'],
      'lockdep explain: --emit-trace given twice (--emit-trace a.json, --emit-trace b.json); give it once',
    ],
    [
      ['explain', 'r.txt', '--format', 'json', '--format', 'text'],
      'lockdep explain: --format given twice (--format json, --format text); give it once',
    ],
    [
      ['scenarios', '--format', 'json', '--format', 'text'],
      'lockdep scenarios: --format given twice; give it once',
    ],
    [['-V', 'extra'], 'lockdep: -V takes no argument; unexpected "extra"'],
    [['--version', 'x'], 'lockdep: --version takes no argument; unexpected "x"'],
  ])('%j', async (argv, message) => {
    expect(await usage(argv)).toBe(message);
  });
});

describe('help', () => {
  it.each(['check', 'matrix', 'graph', 'explain', 'scenarios'])(
    'lockdep help %s, lockdep %s --help and lockdep --help %s agree',
    async (cmd) => {
      const a = await runCli(['help', cmd]);
      const b = await runCli([cmd, '--help']);
      const c = await runCli(['--help', cmd]);
      const d = await runCli(['-h', cmd]);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: lockdep ${cmd}`));
      for (const r of [b, c, d]) expect(r).toEqual(a);
    },
  );

  it('lists every option each command accepts (the help is generated from the specs)', async () => {
    const cases: [string, string[]][] = [
      [
        'check',
        [
          '--preempt none|voluntary|full|rt',
          '--prove-raw-lock-nesting',
          '--no-prove-raw-lock-nesting',
          '--debug-atomic-sleep',
          '--no-debug-atomic-sleep',
          '--first',
          '--format text|json',
          '-q, --quiet',
          '-h, --help',
        ],
      ],
      ['matrix', ['--first', '--format text|json', '-q, --quiet', '-h, --help']],
      ['graph', ['--format dot|mermaid', '--preempt none|voluntary|full|rt', '-h, --help']],
      [
        'explain',
        [
          '--format text|json',
          '--emit-trace <file.json>',
          '--force',
          '--classes <classes.json>',
          '-h, --help',
        ],
      ],
    ];
    for (const [cmd, flags] of cases) {
      const help = (await runCli(['help', cmd])).stdout;
      for (const flag of flags) expect(help).toMatch(new RegExp(`^  ${escapeRe(flag)}  `, 'm'));
    }
  });

  it('help takes one command', async () => {
    expect(await usage(['help', 'check', 'matrix'])).toBe(
      'lockdep help: one command at a time; unexpected "matrix"',
    );
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('output files (explain --emit-trace): nothing overwritten, nothing followed', () => {
  const report = path.join(REPORT, 'iwc-raw-spinlock.txt');
  let input: string;
  beforeEach(() => {
    input = path.join(dir, `r-${Math.random().toString(36).slice(2)}.txt`);
    fs.copyFileSync(report, input);
  });

  it('writes a new file', async () => {
    const out = path.join(dir, `new-${Math.random().toString(36).slice(2)}.json`);
    const r = await runCli(['explain', input, '--emit-trace', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toHaveProperty('events');
  });

  it('refuses an existing file without --force, and replaces it with --force', async () => {
    const out = path.join(dir, `old-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(out, 'precious\n');
    expect(await usage(['explain', input, '--emit-trace', out])).toBe(
      `lockdep explain: --emit-trace ${out}: file exists (give --force to replace it)`,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
    const r = await runCli(['explain', input, '--emit-trace', out, '--force']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/"events"/);
  });

  it('never overwrites its own input, even with --force (by name or through a link)', async () => {
    const before = fs.readFileSync(input, 'utf8');
    expect(await usage(['explain', input, '--emit-trace', input, '--force'])).toBe(
      `lockdep explain: --emit-trace ${input}: is the input ${input}; choose another file`,
    );
    const link = `${input}.link.json`;
    fs.symlinkSync(input, link);
    expect(await usage(['explain', input, '--emit-trace', link, '--force'])).toMatch(
      /is the input/,
    );
    expect(fs.readFileSync(input, 'utf8')).toBe(before);
  });

  it('does not write through a symbolic link: --force replaces the link, not its target', async () => {
    const target = path.join(dir, `target-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(target, 'untouched\n');
    const link = path.join(dir, `link-${Math.random().toString(36).slice(2)}.json`);
    fs.symlinkSync(target, link);
    expect(await usage(['explain', input, '--emit-trace', link])).toMatch(/file exists/);
    const r = await runCli(['explain', input, '--emit-trace', link, '--force']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(false);
  });

  it('- writes the trace to stdout', async () => {
    const r = await runCli(['explain', input, '--emit-trace', '-', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {2}"lockdep-trace": 1/);
  });

  it('--force without --emit-trace is a mistake', async () => {
    expect(await usage(['explain', input, '--force'])).toBe(
      'lockdep explain: --force applies to --emit-trace only',
    );
  });
});

describe('a --classes file that is not JSON is located like a trace error', () => {
  it.each([
    [
      '{\n  "classes": {\n    "a": "spinlock",\n  }\n}\n',
      ":4:3: found '}', expected a member name in double quotes",
    ],
    ['{\n  "classes": {', ':2:15: found end of input, expected'],
  ])('%j', async (text, where) => {
    const file = path.join(dir, `classes-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, text);
    const ftrace = path.join(ROOT, '__tests__', 'fixtures', 'ftrace', 'mixed.txt');
    expect(await usage(['check', '--from-ftrace', ftrace, '--classes', file])).toMatch(
      new RegExp(`^${escapeRe(`${file}${where}`)}`),
    );
  });
});
