/** Stable JSON form of a violation: its data plus `title` and `text`. */
import { formatViolation, violationTitle } from './format';
import { violationLock, type Violation } from './violation';


export function violationToJson(v: Violation): Record<string, unknown> {
  return { ...v, title: violationTitle(v), lockName: violationLock(v), text: formatViolation(v) };
}
