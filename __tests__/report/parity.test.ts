/**
 * Every violation kind has a kernel-text formatter, a title, a JSON form, and an example
 * trace that raises it (examples/traces or examples/scenarios), so no kind can be added
 * half-way.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  parseTrace,
  replayTrace,
  VIOLATION_KINDS,
  formatViolation,
  violationTitle,
  violationToJson,
  type Violation,
} from '../../src';

const root = path.join(__dirname, '..', '..');
const examples = ['examples/traces', 'examples/scenarios'].flatMap((d) =>
  fs
    .readdirSync(path.join(root, d))
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(root, d, f)),
);

const raised = new Map<string, { file: string; violation: Violation }>();
for (const file of examples) {
  const result = replayTrace(parseTrace(fs.readFileSync(file, 'utf8'), file));
  for (const v of result.violations)
    if (!raised.has(v.kind)) raised.set(v.kind, { file: path.basename(file), violation: v });
}

describe('violation kind parity', () => {
  it.each([...VIOLATION_KINDS])('%s has an example, a title, kernel text and JSON', (kind) => {
    const hit = raised.get(kind);
    // (a failure names the kind that no example raises)
    expect({ kind, hasExample: typeof hit?.file === 'string' }).toEqual({ kind, hasExample: true });
    const v = hit!.violation;
    const text = formatViolation(v);
    expect(text.length).toBeGreaterThan(0);
    const title = violationTitle(v);
    // the title starts a line of the text, as the kernel prints it (BUG lines go on with
    // their details: "... at <file>:<line>", ": <comm>/<pid>/<preempt_count>")
    expect(text.split('\n').some((l) => l.startsWith(title))).toBe(true);
    const json = violationToJson(v);
    expect(json).toMatchObject({ kind, title, text });
  });
});
