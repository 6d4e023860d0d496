/**
 * Chain keys (iterate_chain_key()): a chain node keeps its key as two small integers
 * (chainKeyHigh/chainKeyLow) and extends it with iterateChainKeyHalves(). The halves must
 * give back the key, and extending from them must give the key the one-double form
 * gives, so that nodes are still identified by the same chain keys.
 */
import fc from 'fast-check';
import {
  chainKeyHigh,
  chainKeyLow,
  INITIAL_CHAIN_KEY,
  iterateChainKey,
  iterateChainKeyHalves,
} from '../../src/core/chainKey';
import { runs } from '../helpers/fuzz';

const LOW = 2 ** 21;
/** The mixing as it was written on one double (floor and remainder), before the halves. */
function reference(key: number, id: number): number {
  let a = Math.floor(key / LOW) | 0;
  let b = (key % LOW) | 0;
  a = Math.imul(a ^ id, 0x9e3779b1);
  a ^= a >>> 15;
  a = Math.imul(a, 0x85ebca6b) ^ b;
  b = Math.imul((b + id + 0x7f4a7c15) | 0, 0xc2b2ae35);
  b ^= (b >>> 13) ^ a;
  return (a >>> 0) * LOW + ((b >>> 0) & (LOW - 1));
}

/** every value a chain key takes: a 53-bit non-negative integer */
const chainKey = fc.oneof(
  fc.constant(INITIAL_CHAIN_KEY),
  fc.constant(0),
  fc.maxSafeNat(),
  fc.nat().map((n) => n * LOW + (n % LOW)),
);

describe('chain key halves', () => {
  it('give back the key, and extend it as the one-double form does', () => {
    fc.assert(
      fc.property(chainKey, fc.nat(2 ** 22), (key, id) => {
        const high = chainKeyHigh(key);
        const low = chainKeyLow(key);
        expect((high >>> 0) * LOW + low).toBe(key);
        expect(iterateChainKeyHalves(high, low, id)).toBe(reference(key, id));
        expect(iterateChainKey(key, id)).toBe(reference(key, id));
        const next = iterateChainKey(key, id);
        expect(Number.isSafeInteger(next) && next >= 0).toBe(true);
      }),
      runs(200, 0xc4a1),
    );
  });

  it('a chain of ids gives distinct keys along the way (the hash mixes every step)', () => {
    const seen = new Set<number>();
    let key = INITIAL_CHAIN_KEY;
    for (let id = 1; id <= 1000; id++) {
      key = iterateChainKey(key, id * 4);
      seen.add(key);
    }
    expect(seen.size).toBe(1000);
  });
});
