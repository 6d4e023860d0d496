/**
 * package.json as npm and TypeScript read it. The full check is scripts/consumer-test.js
 * (a packed tarball in a fresh project, .ci/run); these are the fast, local invariants.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  files: string[];
  license: string;
  scripts: Record<string, string>;
};

describe('package.json', () => {
  it('every subpath export has types under moduleResolution node10 too (typesVersions)', () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json');
    expect(subpaths).toEqual(expect.arrayContaining(['./jest', './cli']));
    for (const sub of subpaths) {
      const types = (pkg.exports[sub] as { types: string }).types;
      expect(pkg.typesVersions?.['*']?.[sub.slice(2)]).toEqual([types]);
    }
  });

  it('ships a LICENSE matching the license field, and no source maps without sources', () => {
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.files).toContain('LICENSE');
    expect(pkg.files).not.toContain('src');
    expect(pkg.files).toContain('!dist/**/*.map');
    const build = fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8');
    expect(build).toMatch(/"sourceMap": false/);
  });

  it('builds dist/ on npm ci (prepare) and checks the package in CI', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/npm run test:consumer/);
    expect(ci).toMatch(/npm run check:package/);
  });
});
