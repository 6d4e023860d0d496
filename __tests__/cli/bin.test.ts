/**
 * bin/lockdep.js as a shell runs it: real pipes whose reader goes away, a full disk, and
 * a compiled dist/ that must match the source it is tested for.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'lockdep.js');

/** Every src/**\/*.ts with its compiled dist/ file. */
function sources(dir = path.join(ROOT, 'src')): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('dist/ is the compiled src/ (these tests run dist through the bin)', () => {
  it('no source file is newer than its compiled file, and none is missing', () => {
    const stale: string[] = [];
    for (const src of sources()) {
      const rel = path.relative(path.join(ROOT, 'src'), src).replace(/\.ts$/, '.js');
      const js = path.join(ROOT, 'dist', rel);
      if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(src).mtimeMs)
        stale.push(path.relative(ROOT, src));
    }
    // a stale dist/ tests yesterday's CLI: rebuild with `npm run build`
    expect({ staleOrMissing: stale, fix: 'npm run build' }).toEqual({
      staleOrMissing: [],
      fix: 'npm run build',
    });
  });
});

let dir: string;
let manyReports: string;
let ftrace: string;
let classes: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-bin-'));
  // 2,000 distinct invalid-wait-context reports: megabytes of output, far past a pipe buffer
  const n = 2000;
  const locks: Record<string, { type: string }> = {};
  const events: object[] = [];
  const ft: string[] = [];
  const cls: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    locks[`raw_${i}`] = { type: 'raw_spinlock' };
    locks[`spin_${i}`] = { type: 'spinlock' };
    cls[`raw_${i}`] = 'raw_spinlock';
    cls[`spin_${i}`] = 'spinlock';
    events.push(
      { op: 'lock', lock: `raw_${i}` },
      { op: 'lock', lock: `spin_${i}` },
      { op: 'unlock', lock: `spin_${i}` },
      { op: 'unlock', lock: `raw_${i}` },
    );
    const t = (k: number) => (100 + i * 0.0001 + k * 0.00001).toFixed(6);
    const addr = (k: number) => (0xffff888100000000n + BigInt(i * 64 + k * 8)).toString(16);
    ft.push(
      `            bash-1234    [001] d..1.   ${t(0)}: lock_acquire: ${addr(0)} raw_${i}`,
      `            bash-1234    [001] d..2.   ${t(1)}: lock_acquire: ${addr(1)} spin_${i}`,
      `            bash-1234    [001] d..2.   ${t(2)}: lock_release: ${addr(1)} spin_${i}`,
      `            bash-1234    [001] d..1.   ${t(3)}: lock_release: ${addr(0)} raw_${i}`,
    );
  }
  manyReports = path.join(dir, 'many.json');
  fs.writeFileSync(
    manyReports,
    JSON.stringify({
      'lockdep-trace': 1,
      config: { preempt: 'full', proveRawLockNesting: true },
      locks,
      events,
    }),
  );
  ftrace = path.join(dir, 'many.txt');
  fs.writeFileSync(ftrace, `# tracer: nop\n${ft.join('\n')}\n`);
  classes = path.join(dir, 'classes.json');
  fs.writeFileSync(classes, JSON.stringify({ classes: cls }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `lockdep <args>` into `| <reader>`; the status and stderr of lockdep itself. */
function piped(args: string, reader: string): { status: number; stderr: string; out: string } {
  const status = path.join(dir, 'status');
  const err = path.join(dir, 'stderr');
  const r = spawnSync(
    'sh',
    ['-c', `("${process.execPath}" "${BIN}" ${args} 2>"${err}"; echo $? >"${status}") | ${reader}`],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  return {
    status: Number(fs.readFileSync(status, 'utf8').trim()),
    stderr: fs.readFileSync(err, 'utf8'),
    out: r.stdout,
  };
}

describe('output into a pipe whose reader has gone: quiet, with the status of the command', () => {
  it.each([
    ['scenarios', () => 'scenarios', 'head -1', 0],
    ['check, 2,000 reports', () => `check "${manyReports}"`, 'head', 1],
    ['matrix --format json', () => `matrix "${manyReports}" --format json`, 'head -c 100', 1],
    ['graph', () => `graph "${manyReports}"`, 'head -1', 0],
    [
      'check --from-ftrace',
      () => `check --from-ftrace "${ftrace}" --classes "${classes}"`,
      'head -1',
      1,
    ],
  ])(
    '%s',
    (_name, args, reader, status) => {
      const r = piped(args(), reader);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(status);
      expect(r.out.length).toBeGreaterThan(0);
    },
    60_000,
  );
});

describe('a write error', () => {
  const full = fs.existsSync('/dev/full') ? it : it.skip;
  full('> /dev/full: one line naming the error, exit 2 (not 1, which means violations)', () => {
    const clean = path.join(ROOT, 'examples', 'traces', 'rcu-read-lock-under-raw-spinlock.json');
    const r = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" check "${clean}" >/dev/full`],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('lockdep: cannot write the output: no space left on device\n');
    expect(r.status).toBe(2);
  });
});
