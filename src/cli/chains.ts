/**
 * `lockdep chains <lockdep_chains>`: every chain a running kernel recorded, replayed
 * under the eight configurations (src/interop/chains). Exit 0 clean, 1 findings, 2 bad input.
 */
import { LockdepError } from '../core/errors';
import { parseClassTable, type ClassTable } from '../interop/classTable';
import { bundledClassTable } from '../interop/catalogue/lookup';
import { ChainChecker, type ChainResult } from '../interop/chains/check';
import { ChainsInputError, readChainsFile } from '../interop/chains/parse';
import { ChainGroups, chainsToJson } from '../interop/chains/report';
import { readLockdepFile } from '../interop/chains/usage';
import { UsageMistake } from './args';
import {
  EXIT_BAD_INPUT,
  EXIT_CLEAN,
  EXIT_VIOLATIONS,
  readTextFile,
  unreadable,
  type CliIO,
} from './common';

export const CHAINS_HELP = `Usage: lockdep chains <lockdep_chains> [options]

Read /proc/lockdep_chains (every lock nesting a lockdep kernel recorded) and replay each
chain, in its irq context, under the 8 configurations of \`lockdep matrix\`: what would
PROVE_RAW_LOCK_NESTING or PREEMPT_RT report on this machine? Lock types come from the
--classes tables and the bundled catalogue (\`lockdep catalogue\`); chains with a class
none of them knows are listed and skipped. See docs/whatif.md for what a chain cannot show.

Options:
  --classes <classes.json>  lock names -> primitives, over the bundled catalogue (repeatable;
                            later tables win)
  --lockdep <file>          a copy of /proc/lockdep from the same boot: classes it records
                            in hard or soft interrupt context are named in the findings, and
                            checked in that context when no chain shows them there
  --format text|json        output format (default text)
  -q, --quiet               no progress on stderr
  -h, --help                show this help

Exit codes: 0 no chain fails anywhere, 1 a chain fails under some configuration, 2 bad
input (file:line) or usage.
`;

function loadTable(files: readonly string[]): ClassTable {
  let t = bundledClassTable();
  for (const file of files) {
    const text = readTextFile('chains', file, '--classes');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageMistake(
        `lockdep chains: --classes ${file} is not JSON: ${(e as Error).message}`,
      );
    }
    try {
      t = parseClassTable(json, t);
    } catch (e) {
      if (e instanceof LockdepError)
        throw new UsageMistake(`lockdep chains: --classes ${file}: ${e.message}`);
      throw e;
    }
    t = withoutConflicts(t, json);
  }
  return t;
}

/**
 * A name `lockdep catalogue` found declared with two types in the tree it read (two
 * drivers' `&dev->lock`) is unknown for this kernel, whatever the bundled catalogue
 * says of it: its chains are skipped, never answered with another subsystem's type.
 */
function withoutConflicts(t: ClassTable, json: unknown): ClassTable {
  const conflicts = (json as { conflicts?: unknown } | null)?.conflicts;
  if (!Array.isArray(conflicts)) return t;
  const names = new Map(t.names);
  for (const c of conflicts) {
    const name = (c as { name?: unknown } | null)?.name;
    if (typeof name === 'string') names.delete(name);
  }
  return { names, patterns: t.patterns };
}

export async function chainsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let format: 'text' | 'json' = 'text';
  let quiet = false;
  const classes: string[] = [];
  const positional: string[] = [];
  let lockdepFile: string | undefined;
  let formatSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '')
        throw new UsageMistake(`lockdep chains: option ${name} needs a value`);
      return v;
    };
    if (name === '--help' || name === '-h') {
      io.stdout.write(CHAINS_HELP);
      return EXIT_CLEAN;
    } else if (name === '--format') {
      const v = value();
      if (v !== 'text' && v !== 'json')
        throw new UsageMistake(
          `lockdep chains: option --format: found ${JSON.stringify(v)}, expected text | json`,
        );
      if (formatSeen) throw new UsageMistake('lockdep chains: --format given twice');
      formatSeen = true;
      format = v;
    } else if (name === '--classes') classes.push(value());
    else if (name === '--lockdep') {
      if (lockdepFile !== undefined)
        throw new UsageMistake('lockdep chains: --lockdep given twice');
      lockdepFile = value();
    } else if (name === '--quiet' || name === '-q') quiet = true;
    else if (a.startsWith('-') && a !== '-')
      throw new UsageMistake(`lockdep chains: unknown option ${name} (see lockdep chains --help)`);
    else positional.push(a);
  }
  if (positional.length !== 1)
    throw new UsageMistake(
      positional.length === 0
        ? 'lockdep chains: missing <lockdep_chains> (a copy of /proc/lockdep_chains; see lockdep chains --help)'
        : `lockdep chains: one file at a time, got ${positional.length}: ${positional.join(' ')}`,
    );
  const file = positional[0];
  if (file === '-')
    throw new UsageMistake(
      'lockdep chains: reads a file, not stdin (copy /proc/lockdep_chains first)',
    );
  const why = unreadable(file);
  if (why) throw new UsageMistake(`lockdep chains: cannot read ${file}: ${why}`);
  if (lockdepFile !== undefined) {
    const whyNot = unreadable(lockdepFile);
    if (whyNot)
      throw new UsageMistake(`lockdep chains: cannot read --lockdep ${lockdepFile}: ${whyNot}`);
  }
  const checker = new ChainChecker(loadTable(classes));
  const groups = new ChainGroups();
  const results: ChainResult[] = [];
  const showProgress = !quiet && io.stderr.isTTY === true;
  let last = 0;
  try {
    if (lockdepFile !== undefined) await readLockdepFile(lockdepFile, (u) => checker.addUsage(u));
    await readChainsFile(
      file,
      (c) => {
        const r = checker.check(c);
        if (!r) return;
        if (format === 'json') results.push(r);
        else groups.add(r);
      },
      showProgress
        ? (bytes, total, n) => {
            const now = Date.now();
            if (now - last < 250) return;
            last = now;
            io.stderr.write(
              `\rlockdep chains: ${n.toLocaleString('en-US')} chains (${Math.floor((bytes / Math.max(1, total)) * 100)}%)`,
            );
          }
        : undefined,
    );
  } catch (e) {
    if (e instanceof ChainsInputError) {
      if (showProgress) io.stderr.write('\r\x1b[K');
      io.stderr.write(`lockdep chains: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  if (showProgress) io.stderr.write('\r\x1b[K');
  for (const r of lockdepFile !== undefined ? checker.checkUsage() : []) {
    if (format === 'json') results.push(r);
    else groups.add(r);
  }
  const s = checker.summary();
  if (format === 'json') io.stdout.write(`${JSON.stringify(chainsToJson(results, s), null, 2)}\n`);
  else io.stdout.write(groups.format(file, checker, s, lockdepFile));
  const found = format === 'json' ? results.length > 0 : groups.size > 0;
  return found ? EXIT_VIOLATIONS : EXIT_CLEAN;
}
