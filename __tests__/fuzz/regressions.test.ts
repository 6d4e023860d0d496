/**
 * Crashes the fuzz properties found, each minimised to the smallest input that showed it.
 * Each must now end in a typed, located error (or a clean result), never an internal one.
 */
import { replayTrace } from '../../src/trace/check';
import { TraceError } from '../../src/trace/errors';
import type { Trace } from '../../src/trace/schema';

function replayError(trace: unknown): TraceError {
  try {
    replayTrace(JSON.stringify(trace), { file: 't.json' });
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('expected a TraceError');
}

describe('fuzz regressions', () => {
  it('zone_lock_contended with holder_cpu beyond config.cpus is a located replay error (was TypeError in cpuAvailable)', () => {
    const e = replayError({
      'lockdep-trace': 1,
      config: { cpus: 3 },
      events: [{ op: 'zone_lock_contended', holder_cpu: 3 }],
    });
    expect(e.traceCode).toBe('replay');
    expect(e.message).toMatch(
      /^t\.json:1:\d+: \/events\/0: cpu 3 does not exist \(this kernel has 3 CPUs: 0\.\.2\)$/,
    );
  });

  it('a member name with a newline gives a one-line error (the pointer was printed raw, splitting the message)', () => {
    const e = replayError({
      'lockdep-trace': 1,
      config: { 'proveRawLockNesti\ng': true },
      events: [],
    });
    expect(e.traceCode).toBe('unknown-field');
    expect(e.pointer).toBe('/config/proveRawLockNesti\ng');
    expect(e.message).not.toMatch(/[\n\r]/);
    expect(e.message).toContain(
      '/config/proveRawLockNesti\\ng: found member "proveRawLockNesti\\ng"',
    );
  });

  it('a lock declaration whose type is an object names the bad type, not "[object Object]" (unknown member checked first)', () => {
    const e = replayError({
      'lockdep-trace': 1,
      locks: { L: { type: { a: 1 }, '': [] } },
      events: [],
    });
    expect(e.traceCode).toBe('wrong-type');
    expect(e.pointer).toBe('/locks/L/type');
    expect(e.message).not.toContain('[object Object]');
    expect(e.message).toContain('found an object, expected a lock type: raw_spinlock');
  });

  it('a hole in a sparse events array is an error at its index, not a silently skipped event', () => {
    // eslint-disable-next-line no-sparse-arrays
    const trace = { 'lockdep-trace': 1, events: [, { op: 'irq_disable' }] } as unknown as Trace;
    let err: unknown;
    try {
      replayTrace(trace, { file: 't.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    expect((err as TraceError).pointer).toBe('/events/0');
    expect((err as TraceError).message).toBe(
      't.json: /events/0: found nothing, expected an event object with an "op" member',
    );
  });
});
