/**
 * Outputs pasted into docs/ outside `$ npx lockdep` blocks: the Mermaid graph of
 * docs/graph.md, the JSON shapes of docs/cli.md, the error examples of
 * docs/trace-format.md. Each is compared with what the CLI prints today.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OPS } from '../../src';
import { runCli } from '../cli/helpers';

const root = path.join(__dirname, '..', '..');
const doc = (name: string) => fs.readFileSync(path.join(root, 'docs', name), 'utf8');
const TRACE = path.join(root, 'examples', 'traces', 'spinlock-under-raw-spinlock.json');

describe('docs/graph.md', () => {
  it('shows exactly what `lockdep graph --format mermaid` prints for the three-lock cycle', async () => {
    const block = /```mermaid\n([\s\S]*?)```/.exec(doc('graph.md'));
    expect(block).not.toBeNull();
    const r = await runCli([
      'graph',
      path.join(root, 'examples', 'traces', 'three-lock-cycle.json'),
      '--format',
      'mermaid',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(block![1]);
  });
});

describe('docs/cli.md', () => {
  const text = doc('cli.md');
  const jsonBlocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('the check JSON example has the fields and values `check --format json` prints', async () => {
    const shown = JSON.parse(jsonBlocks[0]);
    const real = JSON.parse((await runCli(['check', TRACE, '--format', 'json'])).stdout);
    expect(Object.keys(shown)).toEqual(Object.keys(real));
    expect(Object.keys(shown.violations[0])).toEqual(Object.keys(real.violations[0]));
    const { text: _t, ...rest } = real.violations[0];
    const { text: _s, ...shownRest } = shown.violations[0];
    expect(shownRest).toEqual(rest);
    expect(shown.summary).toEqual(real.summary);
  });

  it('the matrix JSON example names the task as check does', async () => {
    const shown = JSON.parse(jsonBlocks[1]);
    const real = JSON.parse((await runCli(['matrix', TRACE, '--format', 'json'])).stdout);
    expect(Object.keys(shown)).toEqual(Object.keys(real));
    const v = shown.configs[0].violations[0];
    expect(v.task).toBe(real.configs[0].violations[0].task);
    expect(shown.rows[0]).toEqual(real.rows[0]);
    expect(shown.summary).toEqual(real.summary);
  });
});

describe('docs/trace-format.md', () => {
  it('the unknown-op example lists the ops in the order the error does', () => {
    const m = /expected an op(?: \(did you mean "[a-z_]+"\?\))?: ([a-z_, ]+), \.\.\./.exec(
      doc('trace-format.md'),
    );
    expect(m).not.toBeNull();
    const sorted = Object.keys(OPS).sort();
    expect(m![1].split(', ')).toEqual(sorted.slice(0, m![1].split(', ').length));
  });
});
