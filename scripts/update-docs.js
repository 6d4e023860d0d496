#!/usr/bin/env node
'use strict';
/**
 * Re-run every pasted `$ npx lockdep ...` block in README.md and docs/walkthrough.md and
 * write the real output back, keeping each block's indentation. The docs tests
 * (__tests__/docs, __tests__/models/walkthrough.test.ts) fail until this has been run after
 * a change to the output. Usage: `npm run build && node scripts/update-docs.js`.
 */
const fs = require('fs');
const path = require('path');
const { main } = require('../dist/cli/main.js');

const root = path.join(__dirname, '..');
process.chdir(root);

async function run(args) {
  let out = '';
  let err = '';
  await main(args, {
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s), isTTY: false },
  });
  if (err) throw new Error(`lockdep ${args.join(' ')} wrote to stderr:\n${err}`);
  return out.replace(/\n+$/, '');
}

async function update(file) {
  const text = fs.readFileSync(file, 'utf8');
  const re = /^( *)```\n\1\$ npx lockdep ([\s\S]*?)\n\1```$/gm;
  let result = '';
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(re)) {
    const indent = m[1];
    const lines = m[2].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    let i = 0;
    let cmd = lines[0];
    const cmdLines = [lines[0]];
    while (cmd.endsWith('\\')) {
      cmdLines.push(lines[++i]);
      cmd = `${cmd.slice(0, -1).trimEnd()} ${lines[i].trim()}`;
    }
    const output = await run(cmd.split(/\s+/));
    const body = [`$ npx lockdep ${cmdLines[0]}`, ...cmdLines.slice(1), ...output.split('\n')]
      .map((l) => (l ? indent + l : l))
      .join('\n');
    result += text.slice(last, m.index) + `${indent}\`\`\`\n${body}\n${indent}\`\`\``;
    last = m.index + m[0].length;
    n++;
  }
  result += text.slice(last);
  if (result !== text) fs.writeFileSync(file, result);
  console.log(`${file}: ${n} blocks${result !== text ? ', updated' : ''}`);
}

(async () => {
  for (const f of ['README.md', 'docs/walkthrough.md']) await update(f);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
