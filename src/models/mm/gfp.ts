/**
 * GFP flags (include/linux/gfp_types.h) and the page allocator's internal ALLOC_* flags
 * (mm/internal.h), with the kernel's translation between them (gfp_to_alloc_flags()).
 *
 * Bit values are this model's own; names, compositions and meanings are the kernel's.
 * `__GFP_NO_LOCKS` is the flag proposed in Aug 2020 (RFC, rejected): it exists here so the
 * `gfp-no-locks` strategy can be replayed.
 */
import { UsageError } from '../../core/errors';

export type Gfp = number;

export const __GFP_HIGH = 1 << 0;
export const __GFP_IO = 1 << 1;
export const __GFP_FS = 1 << 2;
export const __GFP_ZERO = 1 << 3;
export const __GFP_DIRECT_RECLAIM = 1 << 4;
export const __GFP_KSWAPD_RECLAIM = 1 << 5;
export const __GFP_NOWARN = 1 << 6;
export const __GFP_RETRY_MAYFAIL = 1 << 7;
export const __GFP_NOFAIL = 1 << 8;
export const __GFP_NORETRY = 1 << 9;
export const __GFP_NOMEMALLOC = 1 << 10;
export const __GFP_COMP = 1 << 11;
export const __GFP_ACCOUNT = 1 << 12;
export const __GFP_MEMALLOC = 1 << 13;
/** RFC "mm: Add __GFP_NO_LOCKS flag" (9 Aug 2020): order-0 from the pcp lists only, NULL when empty. */
export const __GFP_NO_LOCKS = 1 << 14;

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
/** Today's definition; 2020 kernels had __GFP_KSWAPD_RECLAIM only (kvfree code added __GFP_NOWARN itself). */
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM; // (__GFP_RECLAIM)
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;

/** Names a trace or a user may write, longest compositions first for formatting. */
const NAMED: ReadonlyArray<readonly [string, Gfp]> = [
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['__GFP_RECLAIM', __GFP_RECLAIM],
  ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO],
  ['__GFP_FS', __GFP_FS],
  ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM],
  ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_NOWARN', __GFP_NOWARN],
  ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL],
  ['__GFP_NORETRY', __GFP_NORETRY],
  ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC],
  ['__GFP_COMP', __GFP_COMP],
  ['__GFP_ACCOUNT', __GFP_ACCOUNT],
  ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_NO_LOCKS', __GFP_NO_LOCKS],
];
const BY_NAME = new Map<string, Gfp>(NAMED.map(([n, v]) => [n, v]));

/** All names parseGfp() accepts. */
export const GFP_NAMES: readonly string[] = NAMED.map(([n]) => n);

/** Parse `GFP_NOWAIT|__GFP_NOWARN` (also `0`). Throws UsageError on an unknown name. */
export function parseGfp(text: string): Gfp {
  if (typeof text !== 'string')
    throw new UsageError(`gfp must be a string like "GFP_KERNEL|__GFP_NOWARN", got ${typeof text}`);
  const t = text.trim();
  if (t === '0') return 0;
  let g = 0;
  for (const part of t.split('|')) {
    const name = part.trim();
    const v = BY_NAME.get(name);
    if (v === undefined)
      throw new UsageError(
        `unknown gfp flag ${JSON.stringify(name)} (known: ${GFP_NAMES.join(', ')})`,
      );
    g |= v;
  }
  return g;
}

/** Format a mask the way %pGg reads: composites first, then leftover bits. */
export function formatGfp(g: Gfp): string {
  if (g === 0) return '0';
  const parts: string[] = [];
  let rest = g;
  for (const [name, v] of NAMED) {
    if ((rest & v) === v && v !== 0) {
      parts.push(name);
      rest &= ~v;
    }
  }
  return parts.join('|');
}

/** gfpflags_allow_blocking(): __GFP_DIRECT_RECLAIM */
export function gfpAllowBlocking(g: Gfp): boolean {
  return (g & __GFP_DIRECT_RECLAIM) !== 0;
}

/** gfpflags_allow_spinning() (MAIN, after the flipped-condition fix): either reclaim bit */
export function gfpAllowSpinning(g: Gfp): boolean {
  return (g & __GFP_RECLAIM) !== 0;
}

// ---------------------------------------------------------------------------------
// ALLOC_* (mm/internal.h, MAIN values)

export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_WMARK_MASK = 3;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_OOM = 0x08;
/** "Caller cannot block" */
export const ALLOC_NON_BLOCK = 0x10;
/** __GFP_HIGH */
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_HIGHATOMIC = 0x200;
/** alloc_pages_nolock(): trylocks only */
export const ALLOC_TRYLOCK = 0x400;
/** __GFP_KSWAPD_RECLAIM */
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/**
 * gfp_to_alloc_flags() (mm/page_alloc.c, MAIN): the slow path's flags. MIN mark;
 * __GFP_HIGH gives ALLOC_MIN_RESERVE; a caller that cannot reclaim gets ALLOC_NON_BLOCK
 * (and ALLOC_HIGHATOMIC for order > 0) unless __GFP_NOMEMALLOC; a non-blocking
 * __GFP_HIGH caller ignores cpusets. (v5.9 spelled these ALLOC_HIGH/ALLOC_HARDER, keyed on
 * __GFP_ATOMIC; the watermark arithmetic is the same for GFP_ATOMIC and GFP_NOWAIT. The
 * `rt_task(current)` boost of both versions is not modelled: the model has no task
 * priorities.)
 */
export function gfpToAllocFlags(g: Gfp, order = 0): number {
  let f = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  if (g & __GFP_HIGH) f |= ALLOC_MIN_RESERVE;
  if (g & __GFP_KSWAPD_RECLAIM) f |= ALLOC_KSWAPD;
  if (!(g & __GFP_DIRECT_RECLAIM)) {
    if (!(g & __GFP_NOMEMALLOC)) {
      f |= ALLOC_NON_BLOCK;
      if (order > 0) f |= ALLOC_HIGHATOMIC;
    }
    if (f & ALLOC_MIN_RESERVE) f &= ~ALLOC_CPUSET;
  }
  return f;
}

/**
 * __gfp_pfmemalloc_flags(): the reserves a caller may use once the normal slow path
 * failed. __GFP_NOMEMALLOC forbids them; __GFP_MEMALLOC ignores the watermarks. (The
 * PF_MEMALLOC task flag and OOM victims are not modelled.)
 */
export function gfpPfmemallocFlags(g: Gfp): number {
  if (g & __GFP_NOMEMALLOC) return 0;
  if (g & __GFP_MEMALLOC) return ALLOC_NO_WATERMARKS;
  return 0;
}
