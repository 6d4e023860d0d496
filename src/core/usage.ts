/**
 * Irq usage bits (kernel/locking/lockdep_internals.h `enum lock_usage_bit`).
 * Each state (HARDIRQ, SOFTIRQ) owns four bits: USED_IN, USED_IN_READ, ENABLED,
 * ENABLED_READ; bit 0 of a bit number is "read", bit 1 is "direction" (ENABLED).
 */
import type { IrqStateName, UsageStr } from './violation';

export const LOCK_USED_IN_HARDIRQ = 0;
export const LOCK_USED_IN_HARDIRQ_READ = 1;
export const LOCK_ENABLED_HARDIRQ = 2;
/** @public the kernel's enum, complete (the bit is computed as ENABLED + READ) */
export const LOCK_ENABLED_HARDIRQ_READ = 3;
export const LOCK_USED_IN_SOFTIRQ = 4;
export const LOCK_USED_IN_SOFTIRQ_READ = 5;
export const LOCK_ENABLED_SOFTIRQ = 6;
/** @public the kernel's enum, complete (the bit is computed as ENABLED + READ) */
export const LOCK_ENABLED_SOFTIRQ_READ = 7;
export const LOCK_USED = 8;
export const LOCK_USED_READ = 9;
/** also the slot print_usage_bug() abuses for "IN-NMI" */
export const LOCK_USAGE_STATES = 10;

export const LOCK_USAGE_READ_MASK = 1;
export const LOCK_USAGE_DIR_MASK = 2;
export const LOCK_USAGE_STATE_MASK = ~(LOCK_USAGE_READ_MASK | LOCK_USAGE_DIR_MASK);

export const LOCKF_USED = 1 << LOCK_USED;
export const LOCKF_USED_READ = 1 << LOCK_USED_READ;
/** write (non-read) irq bits */
export const LOCKF_IRQ = 0x55;
/** read irq bits */
export const LOCKF_IRQ_READ = 0xaa;
export const LOCKF_USED_IN_IRQ_ALL = 0x33;
export const LOCKF_ENABLED_IRQ_ALL = 0xcc;

const USAGE_STR: readonly UsageStr[] = [
  'IN-HARDIRQ-W',
  'IN-HARDIRQ-R',
  'HARDIRQ-ON-W',
  'HARDIRQ-ON-R',
  'IN-SOFTIRQ-W',
  'IN-SOFTIRQ-R',
  'SOFTIRQ-ON-W',
  'SOFTIRQ-ON-R',
  'INITIAL USE',
  'INITIAL READ USE',
  'IN-NMI',
];

export function usageStr(bit: number): UsageStr {
  return USAGE_STR[bit];
}

/** exclusive_bit(): the write bit of the opposite direction in the same state. */
export function exclusiveBit(bit: number): number {
  const state = bit & LOCK_USAGE_STATE_MASK;
  const dir = bit & LOCK_USAGE_DIR_MASK;
  return state | (dir ^ LOCK_USAGE_DIR_MASK);
}

function invertDirMask(mask: number): number {
  return (
    ((mask & LOCKF_ENABLED_IRQ_ALL) >> LOCK_USAGE_DIR_MASK) |
    ((mask & LOCKF_USED_IN_IRQ_ALL) << LOCK_USAGE_DIR_MASK)
  );
}

/** exclusive_mask(): every usage (write or read) that conflicts with a bit of `mask`. */
export function exclusiveMask(mask: number): number {
  let excl = invertDirMask(mask);
  excl |= (excl & LOCKF_IRQ_READ) >> LOCK_USAGE_READ_MASK;
  excl |= (excl & LOCKF_IRQ) << LOCK_USAGE_READ_MASK;
  return excl;
}

/** original_mask(): the usages to which `mask` is exclusive (computed as exclusive_mask() is). */
export function originalMask(mask: number): number {
  return exclusiveMask(mask);
}

/** find_exclusive_match(): the first pair (bit of mask, its conflicting bit in exclMask). */
export function findExclusiveMatch(mask: number, exclMask: number): [number, number] | null {
  for (let bit = 0; bit < LOCK_USED; bit++) {
    if (!(mask & (1 << bit))) continue;
    const excl = exclusiveBit(bit);
    const exclRead = excl | LOCK_USAGE_READ_MASK;
    if (exclMask & (1 << excl)) return [bit, excl];
    if (exclMask & (1 << exclRead)) return [bit, exclRead];
  }
  return null;
}

/** state_name(): HARDIRQ, SOFTIRQ, or their -READ forms. */
export function stateName(bit: number): IrqStateName {
  const hard = bit >> LOCK_USAGE_DIR_MASK === 0;
  if (bit & LOCK_USAGE_READ_MASK) return hard ? 'HARDIRQ-READ' : 'SOFTIRQ-READ';
  return hard ? 'HARDIRQ' : 'SOFTIRQ';
}

function usageChar(mask: number, bit: number): string {
  const enabled = mask & (1 << (bit + LOCK_USAGE_DIR_MASK));
  if (mask & (1 << bit)) return enabled ? '?' : '-';
  return enabled ? '+' : '.';
}

/** get_usage_chars(): `{....}` content, HARDIRQ write/read then SOFTIRQ write/read. */
export function usageChars(mask: number): string {
  return (
    usageChar(mask, LOCK_USED_IN_HARDIRQ) +
    usageChar(mask, LOCK_USED_IN_HARDIRQ_READ) +
    usageChar(mask, LOCK_USED_IN_SOFTIRQ) +
    usageChar(mask, LOCK_USED_IN_SOFTIRQ_READ)
  );
}
