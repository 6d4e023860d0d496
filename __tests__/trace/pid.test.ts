/**
 * Real pids: an ftrace line's task column is `comm-pid` (a comm may itself contain `-`),
 * and the kernel prints `comm/pid`, `PID: pid Comm: comm`. A trace event may carry `pid`
 * on a task's first appearance; the model then prints that pid and the comm before the
 * `-<pid>` suffix.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { createKernel, formatViolation, replayTrace, violationRecord } from '../../src';
import { ftraceToTrace } from '../../src/interop/ftrace';
import { builtinClassTable } from '../../src/interop/classTable';
import { UsageError } from '../../src';
import { thrownAs } from '../helpers/errors';

const FTRACE = join(__dirname, '..', 'fixtures', 'ftrace');

describe('ftrace comm-pid (trace-cmd/ftrace task column)', () => {
  const { trace } = ftraceToTrace(
    readFileSync(join(FTRACE, 'mixed.txt'), 'utf8'),
    builtinClassTable(),
  );

  it("a task's first event carries its pid, later ones do not", () => {
    const bash = trace.events.filter((e) => e.task === 'bash-1234');
    expect(bash[0].pid).toBe(1234);
    expect(bash.slice(1).every((e) => e.pid === undefined)).toBe(true);
    const kw = trace.events.filter((e) => e.task === 'kworker/0:1-23');
    expect(kw[0].pid).toBe(23);
  });

  it('splats and JSON print the real pid and comm', () => {
    const r = replayTrace(trace);
    expect(r.violations.length).toBeGreaterThan(0);
    const texts = r.violations.map((v) => formatViolation(v)).join('\n');
    expect(texts).toContain('bash/1234 is trying to lock:');
    expect(texts).toContain('PID: 1234 Comm: bash');
    const rec = violationRecord(r.violations[0]);
    expect([rec.task, rec.pid]).toEqual(['bash', 1234]);
  });
});

describe('Kernel.declareTask', () => {
  it.each([
    ['insmod-1234', 1234, 'insmod/1234'],
    ['kworker/u8:3-events-77', 77, 'kworker/u8:3-events/77'],
    ['plain', 42, 'plain/42'],
    ['x-1', 12, 'x-1/12'],
  ])('%s with pid %d prints as %s', (name, pid, printed) => {
    const k = createKernel({ preempt: 'full', proveRawLockNesting: true });
    k.declareTask(name, pid);
    k.switchTo(name);
    const raw = k.rawSpinlock('raw');
    const sp = k.spinlock('sp');
    raw.lock();
    sp.lock();
    sp.unlock();
    raw.unlock();
    expect(k.current).toBe(name);
    expect(formatViolation(k.violations[0])).toContain(`${printed} is trying to lock:`);
  });

  it.each([
    ['', 5, /non-empty name/],
    ['t', 0, /pid must be an integer in 1\.\.4194304/],
    ['t', 4194305, /pid must be an integer/],
    ['init', 5, /task init already exists/],
  ])('rejects %j pid %d before any state changes', (name, pid, message) => {
    const k = createKernel();
    const before = k.summary();
    expect(thrownAs(UsageError, () => k.declareTask(name, pid)).message).toMatch(message);
    expect(k.summary()).toEqual(before);
  });
});
