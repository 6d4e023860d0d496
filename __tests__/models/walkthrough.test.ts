/**
 * docs/walkthrough.md pastes real output: every ``` block that starts with
 * `$ npx lockdep ...` is run here through the CLI and must print exactly what the page shows.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../cli/helpers';

const root = path.join(__dirname, '..', '..');
const text = fs.readFileSync(path.join(root, 'docs', 'walkthrough.md'), 'utf8');
const blocks = [...text.matchAll(/```\n\$ npx lockdep ([^\n]*)\n([\s\S]*?)\n```/g)].map((m) => ({
  args: m[1],
  expected: m[2],
}));

describe('docs/walkthrough.md', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(root));
  afterAll(() => process.chdir(cwd));

  it('has commands to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it.each(blocks.map((b) => [b.args, b.expected]))('$ npx lockdep %s', async (args, expected) => {
    const r = await runCli(args.split(' '));
    expect(r.stderr).toBe('');
    let out = r.stdout;
    while (out.endsWith('\n')) out = out.slice(0, -1);
    expect(out).toBe(expected);
  });

  it('walks through every strategy', () => {
    for (const s of [
      'v5.9',
      'v5.9-no-rt-skip',
      'drop-lock',
      'gfp-no-locks',
      'raw-zone-lock',
      'preemptible-check',
      'lockless-page',
      'worker',
      'mainline',
      'nolock',
    ]) {
      expect({ s, shown: text.includes(s) }).toEqual({ s, shown: true });
    }
  });
});
