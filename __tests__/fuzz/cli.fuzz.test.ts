/**
 * Property: the CLI main() with random argv built from the real commands, flags, values
 * and input files (good, damaged, missing, a directory) exits 0, 1 or 2, never 3 (an
 * internal error); a failure says why on stderr without a stack trace, one line per error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { runCli } from '../cli/helpers';
import { runs, TRACE_SAMPLES } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
let tmp: string;
const files: string[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-cli-fuzz-'));
  const good = TRACE_SAMPLES.filter((s) =>
    /abba-deadlock|spinlock-under-raw|kfree-rcu-fix-mainline|irq-inversion/.test(s.name),
  );
  for (const s of good) files.push(path.join(ROOT, s.name));
  const abba = fs.readFileSync(files[0], 'utf8');
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(tmp, name), text);
    files.push(path.join(tmp, name));
  };
  write('truncated.json', abba.slice(0, 200));
  write('empty.json', '');
  write('bad-op.json', JSON.stringify({ 'lockdep-trace': 1, events: [{ op: 'nope' }] }));
  write(
    'cpu.jsonl',
    `${JSON.stringify({ 'lockdep-trace': 1, config: { cpus: 1 } })}\n{"op":"lock","lock":"rcu_read_lock","cpu":5}\n`,
  );
  write('newline-key.json', '{"lockdep-trace":1,"events":[{"op":"lock","lock\\nx":1}]}');
  write(
    'report.txt',
    fs.readFileSync(
      path.join(ROOT, '__tests__/fixtures/kernel-reports/iwc-raw-spinlock.txt'),
      'utf8',
    ),
  );
  write('ftrace.txt', 'garbage\n  <idle>-0 [000] d..1 1.0: lock_acquire: ffff &rq->lock\n');
  write('classes.json', '{"x": 1}');
  files.push(
    path.join(tmp, 'missing.json'),
    tmp,
    path.join(ROOT, '__tests__/fixtures/kernel-reports/multi.txt'),
    path.join(ROOT, '__tests__/fixtures/kernel-reports/unparsable.txt'),
  );
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const COMMANDS = [
  'check',
  'matrix',
  'graph',
  'explain',
  'scenarios',
  'help',
  '--help',
  '-h',
  '--version',
  '-V',
  'bogus',
  '',
];
const FLAGS = [
  '--preempt',
  '--preempt=rt',
  '--preempt=bogus',
  '--prove-raw-lock-nesting',
  '--no-prove-raw-lock-nesting',
  '--debug-atomic-sleep',
  '--no-debug-atomic-sleep',
  '--first',
  '--format',
  '--format=json',
  '--format=text',
  '--format=dot',
  '--format=mermaid',
  '--format=',
  '-q',
  '--quiet',
  '--help',
  '-h',
  '--',
  '-x',
  '--bogus',
  '--first=1',
  '--from-ftrace',
  '--classes',
  '--emit-trace',
  '--strategy',
  '--strategy=mainline',
  '--config',
  '--caller',
  '--state',
  '--call',
  '--counters',
  '--objects',
  '--objects=3',
  '--objects=0',
  '--objects=1e3',
];
const VALUES = [
  'rt',
  'none',
  'full',
  'json',
  'text',
  'dot',
  'mermaid',
  'mainline',
  'nolock',
  '1',
  '0',
  '',
  '-',
  'check',
  'x,y',
  ',',
  '=',
  '--',
];

/** `--emit-trace` writes files: give it a path in the scratch directory. */
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 2, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 3, arbitrary: fc.nat().map((i) => `@file${i}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).filter((s) => s !== '-') },
);

function resolve(argv: string[]): string[] {
  const out = argv.map((a) =>
    a.startsWith('@file') ? files[Number(a.slice(5)) % files.length] : a,
  );
  // never read stdin (fd 0) in a test run, never write outside the scratch directory
  return out.map((a, i) =>
    a === '-'
      ? files[0]
      : out[i - 1] === '--emit-trace'
        ? path.join(tmp, 'emit.json')
        : a.startsWith('--emit-trace=')
          ? `--emit-trace=${path.join(tmp, 'emit.json')}`
          : a,
  );
}

/** `scenarios` without filters runs the full matrix; keep runs small with --objects limits and filters. */
function bounded(argv: string[]): boolean {
  if (argv[0] !== 'scenarios') return true;
  if (argv.includes('--help') || argv.includes('-h')) return true;
  return (
    argv.some((a) => a.startsWith('--strategy')) &&
    argv.some((a) => a.startsWith('--config')) &&
    !argv.some((a) => a.startsWith('--objects') && a !== '--objects=3')
  );
}

describe('fuzz: CLI argv', () => {
  const codes = new Map<number, number>();
  afterAll(() => {
    if (process.env.FUZZ_STATS) process.stderr.write(`exit codes: ${JSON.stringify([...codes])}\n`);
  });
  it('exit code 0, 1 or 2; errors are one line, no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom('check', 'matrix', 'graph', 'explain') },
          { weight: 1, arbitrary: fc.constantFrom(...COMMANDS) },
        ),
        fc.option(
          fc.nat().map((i) => `@file${i}`),
          { nil: undefined, freq: 4 },
        ),
        fc.array(token, { maxLength: 4 }),
        async (cmd, file, flags) => {
          // usually a command and an input file first, so most runs get past argument parsing
          const rest = file === undefined ? flags : [file, ...flags];
          const argv = resolve(cmd === '' ? rest : [cmd, ...rest]);
          fc.pre(bounded(argv));
          const r = await runCli(argv);
          if (process.env.FUZZ_STATS) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
          if (process.env.FUZZ_STATS === '2')
            process.stderr.write(`${r.code} ${JSON.stringify(argv)} ${r.stderr.slice(0, 150)}\n`);
          const ctx = `lockdep ${JSON.stringify(argv)}: code ${r.code}\nstderr: ${r.stderr}`;
          if (![0, 1, 2].includes(r.code)) throw new Error(ctx);
          if (
            /^[ \t]+at \S+ \(|lockdep: internal error|TypeError|ReferenceError|RangeError|\bundefined\b|\[object Object\]/m.test(
              r.stderr,
            )
          )
            throw new Error(`stderr shows an internal failure: ${ctx}`);
          if (r.code === 2) {
            if (r.stderr.trim() === '') throw new Error(`exit 2 with nothing on stderr: ${ctx}`);
            // one error, one line; except explain (a line per report) and no command at all (the help)
            if (argv.length > 0 && argv[0] !== 'explain' && r.stderr.trimEnd().includes('\n'))
              throw new Error(`more than one stderr line: ${ctx}`);
          }
        },
      ),
      { ...runs(250, 0xc11), interruptAfterTimeLimit: 20000 },
    );
  }, 60000);
});
