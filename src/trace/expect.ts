/**
 * A trace's `expect` member checked against what replaying it gives: how the bundled
 * examples prove that their description is what happens.
 */
import { violationLock } from '../report/violation';
import type { MatrixResult } from './matrix';
import type { ReplayResult } from './replay';
import type { TraceHeader } from './schema';

/** Differences between `expect` and the results; empty when the trace behaves as it says. */
export function verifyExpectations(
  header: TraceHeader,
  check: ReplayResult,
  matrix: MatrixResult | null,
): string[] {
  const out: string[] = [];
  const e = header.expect;
  if (!e) return out;
  if (e.violations) {
    const got = check.violations.map((v) => ({
      kind: v.kind,
      lock: violationLock(v),
      event: v.event,
    }));
    const show = (xs: readonly { kind: string; lock?: string | null; event?: number }[]) =>
      xs.length === 0
        ? 'none'
        : xs
            .map(
              (x) => `${x.kind} ${x.lock === undefined ? '*' : (x.lock ?? '-')}@${x.event ?? '*'}`,
            )
            .join(', ');
    const same =
      got.length === e.violations.length &&
      e.violations.every(
        (x, i) =>
          x.kind === got[i].kind &&
          (x.lock === undefined || x.lock === got[i].lock) &&
          (x.event === undefined || x.event === got[i].event),
      );
    if (!same) out.push(`check: expected ${show(e.violations)}; got ${show(got)}`);
  }
  if (e.models) {
    const m = check.models;
    if (!m) out.push('models: expected model results, but no model op ran');
    else {
      const want = e.models;
      if (want.placements) {
        const got = m.placements.map((p) => p.placement);
        if (got.join(',') !== want.placements.join(',') || m.placementsDropped > 0)
          out.push(
            `models: placements: expected [${want.placements.join(', ')}], got [${got.join(', ')}]`,
          );
      }
      for (const [name, v] of Object.entries(want.counters ?? {})) {
        const got = (m.counters as unknown as Record<string, number | undefined>)[name];
        if (got === undefined) out.push(`models: no counter named ${name}`);
        else if (got !== v) out.push(`models: counter ${name}: expected ${v}, got ${got}`);
      }
    }
  }
  if (e.matrix) {
    if (!matrix) out.push('matrix: expected a matrix result');
    else {
      const want = new Map(
        Object.entries(e.matrix).map(([k, ids]) => [k, [...ids].sort().join(',')]),
      );
      const got = new Map(matrix.rows.map((r) => [r.key, [...r.fires].sort().join(',')]));
      for (const [k, ids] of want)
        if (got.get(k) !== ids)
          out.push(`matrix: row ${k}: expected [${ids}], got [${got.get(k) ?? 'no row'}]`);
      for (const [k, ids] of got)
        if (!want.has(k)) out.push(`matrix: unexpected row ${k} [${ids}]`);
    }
  }
  return out;
}
