/**
 * Chain keys (iterate_chain_key()): a rolling hash of the held-lock ids of one irq
 * context, so a chain that was validated once costs a lookup afterwards. The state is
 * a 53-bit integer (safe in a double): 32 high bits and 21 low bits mixed separately.
 */
export const INITIAL_CHAIN_KEY = Number.MAX_SAFE_INTEGER;
const LOW = 0x200000; // 2^21

export function iterateChainKey(key: number, id: number): number {
  return iterateChainKeyHalves(chainKeyHigh(key), chainKeyLow(key), id);
}

/**
 * The key's two halves as iterate_chain_key() mixes them, both small integers (the high
 * 32 bits as an int32, the low 21 bits): a chain node keeps its key so, where a double
 * field would cost a heap number per node.
 */
export function chainKeyHigh(key: number): number {
  // The same split as floor(key / 2^21) and key % 2^21, without the float modulo (an fmod
  // call in V8): the division by a power of two is exact.
  return Math.floor(key / LOW) | 0;
}

export function chainKeyLow(key: number): number {
  return (key - Math.floor(key / LOW) * LOW) | 0;
}

/** iterate_chain_key() of the key with halves `high` and `low`. */
export function iterateChainKeyHalves(high: number, low: number, id: number): number {
  let a = high;
  let b = low;
  a = Math.imul(a ^ id, 0x9e3779b1);
  a ^= a >>> 15;
  a = Math.imul(a, 0x85ebca6b) ^ b;
  b = Math.imul((b + id + 0x7f4a7c15) | 0, 0xc2b2ae35);
  b ^= (b >>> 13) ^ a;
  return (a >>> 0) * LOW + ((b >>> 0) & (LOW - 1));
}

/** hlock_id(): the class index with the read mode folded in, so reads and writes chain apart. */
export function hlockId(classId: number, read: number): number {
  return classId * 4 + read;
}
