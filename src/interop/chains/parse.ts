/**
 * Reading /proc/lockdep_chains as kernel/locking/lockdep_proc.c prints it (lc_show()):
 *
 *     all lock chains:
 *     irq_context: 0
 *     [000000009a8e2b61] &mm->mmap_lock
 *     [00000000c3f1e2aa] &zone->lock
 *
 *     irq_context: 2
 *     ...
 *
 * `irq_context` is the chain's lock_chain.irq_context: bit 0 softirq, bit 1 hardirq
 * (LOCK_CHAIN_SOFTIRQ_CONTEXT / LOCK_CHAIN_HARDIRQ_CONTEXT in lockdep_internals.h). Each
 * lock line is `[%p] ` and print_name(): the class name, `#N` for another class of the
 * same name, `/N` for a subclass. Locks are printed outermost first. A file copied while
 * the kernel was still writing may end in the middle of a chain or a line: the cut line
 * is dropped and the chain kept.
 */
import * as fs from 'fs';
import { escapeTextCapped } from '../../report/escape';
import { streamLines } from './stream';

/** 0 task, 1 softirq, 2 hardirq, 3 hardirq over softirq. */
export type IrqContext = 0 | 1 | 2 | 3;

export const IRQ_CONTEXT_NAMES: Readonly<Record<IrqContext, string>> = {
  0: 'task',
  1: 'softirq',
  2: 'hardirq',
  3: 'hardirq (in softirq)',
};

export interface LockChain {
  /** 0-based position in the file */
  readonly index: number;
  /** line of its `irq_context:` */
  readonly line: number;
  readonly irqContext: IrqContext;
  /** class names as printed, outermost first */
  readonly locks: readonly string[];
}

/** Bad input: a line that is none of the lines lc_show() prints. */
export class ChainsInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ChainsInputError';
  }
}

/** A longer line is not from lockdep_proc.c (a class name is at most KSYM_NAME_LEN-ish). */
const MAX_CHAIN_LINE = 64 * 1024;

/** The values the kernel has printed: numbers, and the names one proposed patch used. */
const CONTEXTS: Readonly<Record<string, IrqContext>> = {
  '0': 0,
  '1': 1,
  '2': 2,
  '3': 3,
  softirq: 1,
  hardirq: 2,
  'hardirq|softirq': 3,
};

/** A push parser: feed lines in order, then end(). */
class ChainParser {
  private current: { line: number; irqContext: IrqContext; locks: string[] } | null = null;
  private count = 0;
  private sawContent = false;

  constructor(
    private readonly file: string,
    private readonly onChain: (c: LockChain) => void,
  ) {}

  get chains(): number {
    return this.count;
  }

  private flush(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.onChain({
      index: this.count++,
      line: c.line,
      irqContext: c.irqContext,
      locks: c.locks,
    });
  }

  private fail(line: number, message: string): never {
    throw new ChainsInputError(this.file, line, message);
  }

  line(raw: string, no: number): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length > MAX_CHAIN_LINE)
      this.fail(no, `a line of ${text.length} characters; lockdep_chains lines are short`);
    if (text.trim() === '') {
      this.flush();
      return;
    }
    if (text.startsWith('irq_context:')) {
      this.flush();
      const v = text.slice('irq_context:'.length).trim();
      const ctx = Object.prototype.hasOwnProperty.call(CONTEXTS, v) ? CONTEXTS[v] : undefined;
      if (ctx === undefined)
        this.fail(
          no,
          `irq_context ${JSON.stringify(escapeTextCapped(v, 40))} is not 0-3 (bit 0 softirq, bit 1 hardirq)`,
        );
      this.current = { line: no, irqContext: ctx, locks: [] };
      this.sawContent = true;
      return;
    }
    if (text.startsWith('[')) {
      const close = text.indexOf('] ');
      if (close < 0 || close === text.length - 2)
        this.fail(no, 'expected "[key] name": a lock line without a class name');
      if (!this.current)
        this.fail(no, 'a lock line before any "irq_context:" line (is this /proc/lockdep_chains?)');
      this.current.locks.push(text.slice(close + 2));
      return;
    }
    // `all lock chains:` (lc_show()'s first record), `(buggered) ` when chain_hlocks overflowed
    if (!this.sawContent && text.endsWith('all lock chains:')) return;
    this.fail(
      no,
      `expected "irq_context: N", "[key] name" or a blank line, found ${JSON.stringify(escapeTextCapped(text, 80))}`,
    );
  }

  end(): void {
    this.flush();
    if (!this.sawContent)
      throw new ChainsInputError(
        this.file,
        1,
        'no lock chain found (expected /proc/lockdep_chains: "irq_context: N" then "[key] name" lines)',
      );
  }
}

/** Parse text already in memory. */
export function parseChains(text: string, file = '<input>'): LockChain[] {
  const out: LockChain[] = [];
  const p = new ChainParser(file, (c) => out.push(c));
  const lines = text.split('\n');
  // a file cut in the middle of its last line: that line is dropped
  const last = lines.length - 1;
  for (let i = 0; i < last; i++) p.line(lines[i], i + 1);
  if (lines[last] !== '') cutLine(p, lines[last], last + 1);
  p.end();
  return out;
}

/** The last line of a file that did not end in a newline: kept if it is whole. */
function cutLine(p: ChainParser, text: string, no: number): void {
  if (text.startsWith('[') && text.indexOf('] ') < 0) return;
  if (text.startsWith('irq_context:') && text.trim() === 'irq_context:') return;
  try {
    p.line(text, no);
  } catch (e) {
    if (!(e instanceof ChainsInputError)) throw e;
    // a cut `irq_context: hardi` and the like: drop it, as a cut line
  }
}

/**
 * Stream a file: memory is one chunk and one chain, whatever the file's size. `onChain`
 * is called in file order.
 */
export async function readChainsFile(
  file: string,
  onChain: (c: LockChain) => void,
  onProgress?: (bytes: number, total: number, chains: number) => void,
): Promise<number> {
  const p = new ChainParser(file, onChain);
  const total = (await fs.promises.stat(file)).size;
  const { rest, no } = await streamLines(
    file,
    MAX_CHAIN_LINE,
    (text, n) => p.line(text, n),
    (n, why) => new ChainsInputError(file, n, why),
    (bytes) => onProgress?.(bytes, total, p.chains),
  );
  if (rest !== '') cutLine(p, rest, no);
  p.end();
  return p.chains;
}
