/**
 * README.md pastes real output: every ``` block that starts with `$ npx lockdep ...`
 * (possibly indented, possibly continued with `\`) is run through the CLI here and must
 * print exactly what the README shows, so the README cannot drift from the code.
 */
import { withoutTrailingNewlines } from '../../src/cli/output';
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../cli/helpers';

const root = path.join(__dirname, '..', '..');
const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

interface Block {
  args: string[];
  expected: string;
}

function blocks(): Block[] {
  const out: Block[] = [];
  for (const m of text.matchAll(/^( *)```\n\1\$ npx lockdep ([\s\S]*?)\n\1```$/gm)) {
    const indent = m[1];
    const lines = m[2].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    let i = 0;
    let cmd = lines[0];
    while (cmd.endsWith('\\')) cmd = `${cmd.slice(0, -1).trimEnd()} ${lines[++i].trim()}`;
    out.push({ args: cmd.split(/\s+/), expected: lines.slice(i + 1).join('\n') });
  }
  return out;
}

describe('README.md', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(root));
  afterAll(() => process.chdir(cwd));
  const all = blocks();

  it('has command examples', () => {
    expect(all.map((b) => b.args[0])).toEqual(
      expect.arrayContaining(['check', 'matrix', 'scenarios']),
    );
  });

  it.each(all.map((b) => [b.args.join(' '), b]))('$ npx lockdep %s', async (_cmd, b) => {
    const r = await runCli(b.args);
    expect(r.stderr).toBe('');
    expect(withoutTrailingNewlines(r.stdout)).toBe(b.expected);
  });

  it('opens with the two commands, and .ci/run runs the same install and test command', () => {
    const first = text.slice(text.indexOf('```sh'), text.indexOf('```', text.indexOf('```sh') + 5));
    expect(first).toContain('npm ci && npm run example');
    expect(first).toContain('npm test');
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm run example\b/m);
    expect(ci).toMatch(/^npm test\b/m);
  });
});
