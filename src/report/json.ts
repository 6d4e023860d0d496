/** Stable JSON forms of a violation. */
import { formatViolation, violationTitle } from './format';
import { violationLock, type LockSnapshot, type Violation, type ViolationKind } from './violation';

/** The violation's data plus `title`, `lockName` (violationLock()) and `text` (the splat). */
export function violationToJson(v: Violation): Record<string, unknown> {
  return { ...v, title: violationTitle(v), lockName: violationLock(v), text: formatViolation(v) };
}

/**
 * The record `lockdep check --format json` prints (docs/cli.md): `kind`, `event`, `task`
 * (the task's name, as traces name tasks), `lock` (the class name as printed, or null),
 * `title`, `text`, the task's `pid` and `cpu`, then the kind's own fields. A kind whose data has a
 * lock snapshot under `lock` carries it as `lockSnapshot`, since `lock` is the name here.
 */
export interface ViolationRecord {
  readonly kind: ViolationKind;
  readonly event: number;
  readonly task: string;
  readonly pid: number;
  readonly cpu: number;
  readonly lock: string | null;
  readonly title: string;
  readonly text: string;
  readonly lockSnapshot?: LockSnapshot;
  readonly [field: string]: unknown;
}

export function violationRecord(v: Violation): ViolationRecord {
  const { kind, event, task, title, text, lockName, ...fields } = violationToJson(v) as Record<
    string,
    unknown
  > &
    Violation & { title: string; text: string; lockName: string | null };
  const rest: Record<string, unknown> = { ...fields };
  if ('lock' in rest) {
    rest.lockSnapshot = rest.lock;
    delete rest.lock;
  }
  // bad-unlock-balance names its lock in its own data: keep that field
  if (v.kind === 'bad-unlock-balance') rest.lockName = v.lockName;
  const t = task;
  return {
    kind,
    event,
    task: t.comm,
    lock: lockName,
    title,
    text,
    pid: t.pid,
    cpu: t.cpu,
    ...rest,
  };
}
