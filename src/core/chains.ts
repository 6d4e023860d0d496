/**
 * The chain cache (lookup_chain_cache / add_chain_cache): every chain of held locks
 * within one irq context that lockdep has seen, as a node found from the chain one
 * lock shorter. The kernel hashes the chain key at every acquisition; here a held
 * lock keeps its chain's node, and the node remembers its most recent extension, so
 * a repeated acquisition finds its chain by two pointer reads and compares no key.
 * Nodes are still identified by the kernel's chain key (iterate_chain_key()), so two
 * chains the kernel would confuse are one node here too.
 */
import {
  chainKeyHigh,
  chainKeyLow,
  hlockId,
  INITIAL_CHAIN_KEY,
  iterateChainKeyHalves,
} from './chainKey';
import type { LockClass } from './lockClass';
import { NumberTable } from './numberTable';

export class ChainNode {
  /** the chain this one most recently grew into (one lock more) */
  next: ChainNode | null = null;
  /** in the chain cache: validate_chain() ran for it (or it hit a limit trying) */
  cached = false;
  /**
   * The acquisition that ends this chain can skip every check: it is cached and
   * check_wait_context() passed under the context ceiling `waitBase`, leaving the
   * running limit `ctxInner`, set by the entry `ctxCulprit` below the new one (-1: by
   * the context). Only a pass is remembered: a bad nesting is reported every time.
   */
  fast = false;
  waitBase = 0;
  ctxInner = 0;
  ctxCulprit = -1;
  /** the ctxSig() under which this acquisition last passed every check (-1: none) */
  okSig = -1;

  /** the chain key (iterate_chain_key()), as chainKeyHigh() and chainKeyLow() split it */
  readonly keyHigh: number;
  readonly keyLow: number;

  constructor(
    key: number,
    readonly cls: LockClass | null,
    readonly read: number,
  ) {
    this.keyHigh = chainKeyHigh(key);
    this.keyLow = chainKeyLow(key);
  }
}

export class ChainCache {
  /** the empty chain: where every irq context's chain starts */
  readonly root = new ChainNode(INITIAL_CHAIN_KEY, null, -1);
  private readonly nodes = new NumberTable<ChainNode>();
  /** chains in the cache (nr_lock_chains) */
  size = 0;
  /** held-lock slots they use (nr_chain_hlocks) */
  hlocks = 0;

  /** The chain `parent` + (cls, read): iterate_chain_key() and the hash only when it is neither `parent`'s last extension nor `cls`'s remembered one-lock chain. */
  extend(parent: ChainNode, cls: LockClass, read: number): ChainNode {
    const n = parent.next;
    if (n !== null && n.cls === cls && n.read === read) return n;
    // A chain of one lock is also remembered by its class: a context's first
    // acquisition finds it without the hash when another class began the last chain.
    const root = parent === this.root;
    if (root) {
      const h = cls.headChain;
      if (h !== null && h.read === read) {
        parent.next = h;
        return h;
      }
    }
    const key = iterateChainKeyHalves(parent.keyHigh, parent.keyLow, hlockId(cls.id, read));
    let c = this.nodes.get(key);
    if (c === undefined) {
      c = new ChainNode(key, cls, read);
      this.nodes.add(key, c);
    }
    // Remembered only when it is the node of this very chain: a node whose key another
    // chain's collided with is found through the hash, which is the authority on keys.
    if (c.cls === cls && c.read === read) {
      parent.next = c;
      if (root) cls.headChain = c;
    }
    return c;
  }
}
