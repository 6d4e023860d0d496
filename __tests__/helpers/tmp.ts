/** Temporary directories for tests that write files: one per describe block, removed after. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TempDir {
  /** the directory (valid inside tests, after beforeAll) */
  readonly path: string;
  /** write `text` to `name` in the directory; returns the full path */
  write(name: string, text: string | Buffer): string;
}

/** A directory created in beforeAll and removed in afterAll of the calling scope. */
export function useTempDir(prefix: string): TempDir {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `lockdep-${prefix}-`));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    get path() {
      return dir;
    },
    write(name, text) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    },
  };
}
