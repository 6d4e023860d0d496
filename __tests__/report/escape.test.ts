/**
 * report/format.ts prints names that came from outside (lock, class, task and site names)
 * through escapeText(): a control character or newline in a name can neither drive the
 * terminal nor forge a report line, while kernel-ordinary names print exactly as the
 * kernel's %s does (the pinned splats in splats.test.ts stay byte-identical).
 */
import { createKernel, formatLines, formatViolation, violationTitle } from '../../src';
import { explainText } from '../../src/interop/explain';

const HOSTILE = [
  ['ESC sequence (screen clear)', 'lock\u001b[2J', 'lock\\x1b[2J'],
  [
    'newline forging a line',
    'lock\nINJECTED LINE: no violations',
    'lock\\nINJECTED LINE: no violations',
  ],
  ['C1 control (CSI)', 'lock\u009b31m', 'lock\\x9b31m'],
  ['bidirectional override', 'lock\u202e', 'lock\\u202e'],
] as const;

describe('formatViolation escapes names from outside, line by line', () => {
  it.each(HOSTILE)('%s in a lock name (print_lock_invalid_wait_context)', (_row, name, shown) => {
    const k = createKernel({ policy: 'collect' });
    k.rawSpinlock('raw').lock();
    k.mutex(name).lock();
    const v = k.violations.find((x) => x.kind === 'invalid-wait-context')!;
    const lines = formatLines(v);
    const raw = (l: string) =>
      [...l].some(
        (c) => c.charCodeAt(0) < 0x20 || (c >= '\u007f' && c <= '\u009f') || c === '\u202e',
      );
    for (const l of lines) expect(raw(l)).toBe(false);
    expect(lines.some((l) => l.includes(shown))).toBe(true);
    expect(formatViolation(v).split('\n')).toHaveLength(lines.length);
    expect(formatViolation(v)).not.toMatch(/^INJECTED/m);
  });
  it.each(HOSTILE)(
    '%s in a task name (the title of debug_check_no_locks_held)',
    (_row, name, shown) => {
      const k = createKernel({ policy: 'collect' });
      k.switchTo(name, 0);
      k.spinlock('l').lock();
      k.exitTask();
      const v = k.violations.find((x) => x.kind === 'lock-held-at-exit')!;
      expect(violationTitle(v)).toContain(shown);
      expect(violationTitle(v)).not.toContain('\n');
    },
  );
  it('an escaped report still round-trips through explain, with the name as escaped text', () => {
    const k = createKernel({ policy: 'collect' });
    k.rawSpinlock('raw').lock();
    k.mutex('evil\u001bname').lock();
    const res = explainText(k.violations.map(formatViolation).join('\n'));
    const r = res.reports.find((x) => x.kind === 'invalid-wait-context');
    expect(r?.ok).toBe(true);
    if (r?.ok) expect(r.scenario.lock?.name).toBe('evil\\x1bname');
  });
});
