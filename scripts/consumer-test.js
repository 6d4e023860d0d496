#!/usr/bin/env node
'use strict';
/**
 * The package as a user gets it: pack the tarball, unpack it into a fresh project outside
 * the repository, and use it the ways users do:
 *
 * - type-check a Jest test (global `expect` and `@jest/globals`) and the README/docs
 *   TypeScript snippets under moduleResolution node10, node16, nodenext and bundler, from
 *   CommonJS and ESM files, with strict + exactOptionalPropertyTypes;
 * - run the test with ts-jest;
 * - import the package from an .mjs file: every export of the CommonJS build must be a
 *   named ESM export (what Node's cjs-module-lexer detects), and the subpaths load.
 *
 * No network: the project's node_modules links to the repository's installed packages
 * (typescript, jest, ts-jest, @types/*, debug), only `lockdep` itself is the tarball.
 * Needs dist/ (npm ci builds it); exit 0 when every step passed.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-consumer-'));
const keep = process.env.KEEP_CONSUMER === '1';

function run(cmd, args, cwd) {
  process.stdout.write(`consumer-test: ${cmd} ${args.join(' ')}\n`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

function write(file, text) {
  fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
  fs.writeFileSync(path.join(work, file), text);
}

/** ```ts blocks of the shipped README and docs: what a user copies first. */
function snippets(pkgDir) {
  const files = [path.join(pkgDir, 'README.md')];
  const docs = path.join(pkgDir, 'docs');
  for (const f of fs.readdirSync(docs)) if (f.endsWith('.md')) files.push(path.join(docs, f));
  const out = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm))
      out.push({ from: path.relative(pkgDir, f), code: m[1] });
  }
  return out;
}

try {
  // 1. the tarball, exactly what `npm publish` would upload (dist/ is built already)
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    }),
  );
  const tarball = path.join(work, packed[0].filename);
  const pkgDir = path.join(work, 'node_modules', 'lockdep');
  fs.mkdirSync(pkgDir, { recursive: true });
  run('tar', ['xzf', tarball, '-C', pkgDir, '--strip-components=1'], work);

  // 2. everything else from the repository's install, linked, so no download
  const nm = path.join(root, 'node_modules');
  for (const entry of fs.readdirSync(nm)) {
    if (entry === 'lockdep' || entry === '.package-lock.json') continue;
    if (entry.startsWith('@')) {
      fs.mkdirSync(path.join(work, 'node_modules', entry), { recursive: true });
      for (const sub of fs.readdirSync(path.join(nm, entry)))
        fs.symlinkSync(path.join(nm, entry, sub), path.join(work, 'node_modules', entry, sub));
    } else fs.symlinkSync(path.join(nm, entry), path.join(work, 'node_modules', entry));
  }
  write('package.json', JSON.stringify({ name: 'consumer', private: true }, null, 2));

  // 3. a Jest test as the README writes it, global expect and @jest/globals
  const testBody = `
const spinUnderRaw = (options: KernelOptions) => {
  const k = createKernel(options);
  const raw = k.rawSpinlock('krcp->lock');
  const zone = k.spinlock('&zone->lock');
  raw.lock();
  zone.lock();
  zone.unlock();
  raw.unlock();
  return k;
};

test('matchers from lockdep/jest', () => {
  // exactOptionalPropertyTypes: an optional member given as undefined
  const k = spinUnderRaw({ preempt: 'full', proveRawLockNesting: true, policy: undefined });
  expect(k).toHaveInvalidWaitContext('&zone->lock');
  expect(k).toHaveViolation('invalid-wait-context', { lock: expect.stringContaining('zone') });
  expect(k).toHaveViolation('invalid-wait-context', { context: expect.any(Number) });
  expect(spinUnderRaw({ proveRawLockNesting: false, preempt: 'voluntary' })).toBeLockdepClean();
  assertNoLocksHeld(k);
});

test('the CLI entry', async () => {
  let out = '';
  const code = await main(['--version'], {
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: () => true },
  });
  expect(code).toBe(0);
  expect(out).toMatch(/^lockdep \\d/);
});
`;
  const imports = `import { createKernel, type KernelOptions } from 'lockdep';
import { assertNoLocksHeld, lockdepMatchers } from 'lockdep/jest';
import { main } from 'lockdep/cli';
`;
  write(
    'test/global.test.ts',
    `${imports}
expect.extend(lockdepMatchers);
${testBody}`,
  );
  write(
    'test/globals.test.ts',
    `import { expect, test } from '@jest/globals';
${imports}
expect.extend(lockdepMatchers);
${testBody}`,
  );
  // the same test as an ES module (node16/nodenext: .mts is ESM whatever package.json says)
  write(
    'esm/globals.test.mts',
    `import { expect, test } from '@jest/globals';
${imports}
expect.extend(lockdepMatchers);
${testBody}`,
  );
  snippets(pkgDir).forEach((s, i) => {
    write(`snippets/snippet-${i + 1}.ts`, `// ${s.from}\n${s.code}`);
  });

  // 4. type-check under the four resolutions
  const base = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2022'],
    types: ['jest', 'node'],
    esModuleInterop: true,
    skipLibCheck: false,
  };
  const resolutions = {
    node10: { module: 'commonjs', moduleResolution: 'node10' },
    node16: { module: 'node16', moduleResolution: 'node16' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  const tsc = path.join(work, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [name, opts] of Object.entries(resolutions)) {
    const include = ['test/**/*.ts', 'snippets/**/*.ts'];
    if (name === 'node16' || name === 'nodenext') include.push('esm/**/*.mts');
    write(
      `tsconfig.${name}.json`,
      JSON.stringify({ compilerOptions: { ...base, ...opts }, include }, null, 2),
    );
    run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], work);
  }

  // 5. run the tests with ts-jest
  write(
    'jest.config.js',
    `module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.node10.json' }] },
};
`,
  );
  run(
    process.execPath,
    [path.join(work, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--rootDir', work],
    work,
  );

  // 6. an ES module consumer: named imports must exist at runtime, not only in the types
  write(
    'esm.mjs',
    `import { createRequire } from 'node:module';
import * as lockdep from 'lockdep';
import { createKernel, formatViolation } from 'lockdep';
import { lockdepMatchers, assertNoLocksHeld } from 'lockdep/jest';
import { main } from 'lockdep/cli';

const require = createRequire(import.meta.url);
const missing = Object.keys(require('lockdep')).filter((k) => !(k in lockdep));
if (missing.length) throw new Error('not named ESM exports: ' + missing.join(', '));
const jestNs = await import('lockdep/jest');
const missingJest = Object.keys(require('lockdep/jest')).filter((k) => !(k in jestNs));
if (missingJest.length) throw new Error('lockdep/jest: not named ESM exports: ' + missingJest.join(', '));
const k = createKernel({ preempt: 'full' });
const raw = k.rawSpinlock('krcp->lock');
const zone = k.spinlock('&zone->lock');
raw.lock(); zone.lock(); zone.unlock(); raw.unlock();
if (!formatViolation(k.violations[0]).includes('Invalid wait context')) throw new Error('no splat');
if (typeof lockdepMatchers.toHaveViolation !== 'function') throw new Error('no matchers');
assertNoLocksHeld(k);
if (typeof main !== 'function') throw new Error('no CLI main');
console.log('consumer-test: esm.mjs: ' + Object.keys(lockdep).length + ' named exports, all detected');
`,
  );
  run(process.execPath, ['esm.mjs'], work);
  // and the bin as installed
  run(process.execPath, [path.join(pkgDir, 'bin', 'lockdep.js'), '--version'], work);
  process.stdout.write('consumer-test: ok\n');
} catch (e) {
  process.stderr.write(`consumer-test: FAILED (${e.message.split('\n')[0]}); files in ${work}\n`);
  process.exitCode = 1;
}
if (!keep && process.exitCode !== 1) fs.rmSync(work, { recursive: true, force: true });
