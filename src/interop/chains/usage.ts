/**
 * Reading /proc/lockdep as kernel/locking/lockdep_proc.c prints it (l_show()):
 *
 *     all lock classes:
 *     000000003c1f2a4b FD:   12 BD:   40 -.-.: &host->lock
 *      -> [00000000a1b2c3d4] &stab->lock
 *
 *     00000000e2f0c9d1 FD:    1 BD:    3 +.+.: &zone->lock
 *
 * One record per class: `%p` (the key), ` OPS:%8ld` with CONFIG_DEBUG_LOCKDEP,
 * ` FD:%5ld BD:%5ld` (forward and backward dependencies) with CONFIG_PROVE_LOCKING,
 * ` %s` the usage characters of get_usage_chars(), `: ` and print_name() (the name as
 * /proc/lockdep_chains prints it); then ` -> [%p] name` for each direct dependency and a
 * blank line. Kernels before v5.x print the usage and dependencies without
 * CONFIG_PROVE_LOCKING as well; newer ones print `%p: name` alone then.
 *
 * The usage characters come in pairs per irq state, in lockdep_states.h order (HARDIRQ,
 * SOFTIRQ, and RECLAIM_FS before v4.14): the write bit, then the read bit. Each is
 * get_usage_char(): `.` unused, `-` used in that irq context (LOCK_USED_IN_*), `+` taken
 * with that irq enabled outside it (LOCK_ENABLED_*), `?` both.
 */
import { escapeTextCapped } from '../../report/escape';
import { ChainsInputError } from './parse';
import { streamLines } from './stream';

/** What /proc/lockdep recorded about one class. */
export interface ClassUsage {
  /** the class name as print_name() prints it (`name#N/M`) */
  readonly name: string;
  /** line of its record */
  readonly line: number;
  /** 0-based position among the file's classes */
  readonly index: number;
  /** the usage characters as printed (`-.-.`), or '' when the kernel printed none */
  readonly usage: string;
  /** LOCK_USED_IN_HARDIRQ or its _READ bit: taken in hard interrupt context */
  readonly inHardirq: boolean;
  /** LOCK_USED_IN_SOFTIRQ or its _READ bit: taken in softirq context */
  readonly inSoftirq: boolean;
}

/** A longer line is not from lockdep_proc.c. */
const MAX_LINE = 64 * 1024;

const USAGE_CHARS = '.-+?';

/** In irq context: `-` (used in it) or `?` (used in it and taken with it enabled). */
function usedIn(c: string | undefined): boolean {
  return c === '-' || c === '?';
}

function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** A push parser: feed lines in order, then end(). Memory: the classes that have usage. */
class LockdepParser {
  private classes = 0;
  private sawHeader = false;
  private inRecord = false;

  constructor(
    private readonly file: string,
    private readonly onClass: (c: ClassUsage) => void,
  ) {}

  private fail(line: number, message: string): never {
    throw new ChainsInputError(this.file, line, message);
  }

  line(raw: string, no: number): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length > MAX_LINE)
      this.fail(no, `a line of ${text.length} characters; /proc/lockdep lines are short`);
    if (text.trim() === '') {
      this.inRecord = false;
      return;
    }
    if (text === 'all lock classes:') {
      if (this.sawHeader || this.classes > 0)
        this.fail(no, '"all lock classes:" again (two files joined?)');
      this.sawHeader = true;
      return;
    }
    if (text.startsWith(' -> [')) {
      if (!this.inRecord)
        this.fail(no, 'a dependency line (" -> [key] name") outside a class record');
      const close = text.indexOf('] ', 5);
      if (close < 0 || close === text.length - 2 || !isHex(text.slice(5, close)))
        this.fail(no, 'expected " -> [key] name"');
      return;
    }
    this.onClass(this.record(text, no));
    this.inRecord = true;
  }

  /** `key[ OPS:n][ FD:n BD:n][ usage]: name` */
  private record(text: string, no: number): ClassUsage {
    const bad = (what: string): never =>
      this.fail(
        no,
        `${what}; expected "key FD: n BD: n usage: name" as l_show() prints it, found ${JSON.stringify(escapeTextCapped(text, 80))}`,
      );
    let i = 0;
    while (i < text.length && text[i] !== ' ' && text[i] !== ':') i++;
    if (!isHex(text.slice(0, i))) bad('a class record starts with its key in hex');
    let usage = '';
    for (;;) {
      if (text.startsWith(': ', i)) {
        i += 2;
        break;
      }
      if (text[i] !== ' ') bad('no ": " before the class name');
      i++;
      const label = ['OPS:', 'FD:', 'BD:'].find((l) => text.startsWith(l, i));
      if (label) {
        i += label.length;
        while (text[i] === ' ') i++;
        const s = i;
        while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
        if (i === s) bad(`${label} without a number`);
        continue;
      }
      const s = i;
      while (i < text.length && USAGE_CHARS.includes(text[i])) i++;
      usage = text.slice(s, i);
      if (usage.length < 4 || usage.length % 2 !== 0)
        bad('the usage is one "." "-" "+" or "?" per irq state and read/write, at least four');
      if (!text.startsWith(': ', i)) bad('no ": " after the usage');
    }
    const name = text.slice(i);
    if (name === '') bad('no class name');
    return {
      name,
      line: no,
      index: this.classes++,
      usage,
      inHardirq: usedIn(usage[0]) || usedIn(usage[1]),
      inSoftirq: usedIn(usage[2]) || usedIn(usage[3]),
    };
  }

  end(): number {
    if (this.classes === 0)
      throw new ChainsInputError(
        this.file,
        1,
        'no lock class found (expected /proc/lockdep: "all lock classes:" then "key FD: n BD: n usage: name" records)',
      );
    return this.classes;
  }
}

/** Parse text already in memory: the classes in file order. */
export function parseLockdep(text: string, file = '<input>'): ClassUsage[] {
  const out: ClassUsage[] = [];
  const p = new LockdepParser(file, (c) => out.push(c));
  const lines = text.split('\n');
  const last = lines.length - 1;
  for (let i = 0; i < last; i++) p.line(lines[i], i + 1);
  // a last line without its newline is a copy cut while the kernel wrote: its class name
  // may be cut too, so it is dropped
  p.end();
  return out;
}

/**
 * Stream a file: memory is one chunk, one line and what `onClass` keeps. Returns the
 * number of classes.
 */
export async function readLockdepFile(
  file: string,
  onClass: (c: ClassUsage) => void,
): Promise<number> {
  const p = new LockdepParser(file, onClass);
  // the text after the last newline is a cut line, dropped as parseLockdep() drops it
  await streamLines(
    file,
    MAX_LINE,
    (text, n) => p.line(text, n),
    (n, why) => new ChainsInputError(file, n, why),
  );
  return p.end();
}
