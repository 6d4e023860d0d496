/**
 * `lockdep catalogue <paths…>`: read C sources and write the class table `--classes`
 * reads (src/interop/catalogue). Exit 0 written, 2 bad input or usage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogueToJson, scanPaths } from '../interop/catalogue/catalogue';
import { escapeText } from '../report/escape';
import { UsageMistake } from './args';
import { EXIT_CLEAN, type CliIO } from './common';

export const CATALOGUE_HELP = `Usage: lockdep catalogue <file|dir>... [options]

Read C sources and headers (directories recursively, one file at a time: a whole kernel
tree is fine) and write the lock-class table that --classes reads: each class named as
lockdep names it (spin_lock_init(&zone->lock) -> "&zone->lock", DEFINE_MUTEX(x) -> "x",
__RAW_SPIN_LOCK_UNLOCKED(krc.lock) -> "krc.lock"), its type from the macro, and the
file:line it came from. A class declared with two types, or a macro that disagrees with
the declared type of its member, is a conflict: listed on stderr and left out.

Options:
  -o, --output <file|->  write the table there (default stdout); an existing file is
                         kept unless --force
  --force                overwrite an existing output file
  -q, --quiet            no progress on stderr
  -h, --help             show this help

Exit codes: 0 table written, 2 bad input or usage.
`;

export async function catalogueCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let output: string | undefined;
  let force = false;
  let quiet = false;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name === '--help' || name === '-h') {
      io.stdout.write(CATALOGUE_HELP);
      return EXIT_CLEAN;
    } else if (name === '-o' || name === '--output') {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '')
        throw new UsageMistake(`lockdep catalogue: option ${name} needs a file`);
      if (output !== undefined)
        throw new UsageMistake(`lockdep catalogue: ${name} given twice (${output}, ${v})`);
      output = v;
    } else if (name === '--force') force = true;
    else if (name === '--quiet' || name === '-q') quiet = true;
    else if (a.startsWith('-'))
      throw new UsageMistake(
        `lockdep catalogue: unknown option ${name} (see lockdep catalogue --help)`,
      );
    else paths.push(a);
  }
  if (paths.length === 0)
    throw new UsageMistake(
      'lockdep catalogue: missing <file|dir> (C sources, e.g. a kernel tree; see lockdep catalogue --help)',
    );
  for (const p of paths) {
    if (!fs.existsSync(p))
      throw new UsageMistake(`lockdep catalogue: cannot read ${p}: no such file`);
    if (output !== undefined && output !== '-' && path.resolve(p) === path.resolve(output))
      throw new UsageMistake(`lockdep catalogue: -o ${output} is an input`);
  }
  const showProgress = !quiet && io.stderr.isTTY === true;
  let last = 0;
  const catalogue = await scanPaths(paths, {
    onFile: showProgress
      ? (files, classes) => {
          const now = Date.now();
          if (now - last < 250) return;
          last = now;
          io.stderr.write(
            `\rlockdep catalogue: ${files.toLocaleString('en-US')} files, ${classes.toLocaleString('en-US')} classes`,
          );
        }
      : undefined,
    onSkip: (file, why) =>
      io.stderr.write(`lockdep catalogue: skipped ${escapeText(file)}: ${escapeText(why)}\n`),
  });
  if (showProgress) io.stderr.write('\r\x1b[K');
  const text = `${JSON.stringify(catalogueToJson(catalogue), null, 2)}\n`;
  if (output === undefined || output === '-') io.stdout.write(text);
  else {
    try {
      // never through a symlink, never over an existing file unless asked
      if (force && fs.existsSync(output) && fs.lstatSync(output).isSymbolicLink())
        throw Object.assign(new Error('is a symbolic link'), { code: 'ELOOP' });
      fs.writeFileSync(output, text, { flag: force ? 'w' : 'wx' });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why =
        code === 'EEXIST'
          ? 'exists (use --force to overwrite)'
          : code === 'ENOENT'
            ? 'no such directory'
            : (e as Error).message;
      throw new UsageMistake(`lockdep catalogue: cannot write ${output}: ${why}`);
    }
  }
  for (const c of catalogue.conflicts)
    io.stderr.write(
      `lockdep catalogue: conflict: ${escapeText(c.name)}: ${escapeText(c.why)} (${c.sites.map(escapeText).join('; ')})\n`,
    );
  if (!quiet)
    io.stderr.write(
      `lockdep catalogue: ${catalogue.files} files, ${catalogue.classes.size} classes, ${catalogue.conflicts.length} conflicts\n`,
    );
  return EXIT_CLEAN;
}
