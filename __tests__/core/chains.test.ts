/**
 * The chain cache (src/core/chains.ts, lookup_chain_cache()): a chain is found from the
 * chain one lock shorter, by its last extension, by its class for a one-lock chain, or
 * by its chain key in the hash; whichever way, the same chain is the same node.
 */
import { ChainCache } from '../../src/core/chains';
import { INITIAL_CHAIN_KEY, iterateChainKey, hlockId } from '../../src/core/chainKey';
import { LockClass, LockClassKey } from '../../src/core/lockClass';
import { NumberTable } from '../../src/core/numberTable';
import { LD_LOCK } from '../../src/core/waitType';

function cls(id: number): LockClass {
  return new LockClass(id, new LockClassKey(id, `c${id}`), 0, `c${id}`, 1, 2, 0, LD_LOCK.NORMAL);
}

describe('ChainCache.extend', () => {
  it('a one-lock chain taken again after another class began a chain: the same node, without the hash', () => {
    const cache = new ChainCache();
    const [a, b] = [cls(1), cls(2)];
    const na = cache.extend(cache.root, a, 0);
    const nb = cache.extend(cache.root, b, 0);
    expect(nb).not.toBe(na);
    const get = jest.spyOn(NumberTable.prototype, 'get');
    try {
      expect(cache.extend(cache.root, a, 0)).toBe(na);
      expect(get).not.toHaveBeenCalled();
      // another read mode is another chain (hlock_id() folds the read mode in)
      const na2 = cache.extend(cache.root, a, 2);
      expect(na2).not.toBe(na);
      expect(get).toHaveBeenCalledTimes(1);
      expect(cache.extend(cache.root, b, 0)).toBe(nb);
      expect(cache.extend(cache.root, a, 0)).toBe(na);
    } finally {
      get.mockRestore();
    }
  });

  it('every way to a chain gives the node of its chain key', () => {
    const cache = new ChainCache();
    const cs = [cls(1), cls(2), cls(3)];
    const seen = new Map<number, unknown>();
    for (let round = 0; round < 3; round++) {
      for (const x of cs) {
        const head = cache.extend(cache.root, x, 0);
        const k1 = iterateChainKey(INITIAL_CHAIN_KEY, hlockId(x.id, 0));
        if (!seen.has(k1)) seen.set(k1, head);
        expect(head).toBe(seen.get(k1));
        for (const y of cs) {
          const two = cache.extend(head, y, 0);
          const k2 = iterateChainKey(k1, hlockId(y.id, 0));
          if (!seen.has(k2)) seen.set(k2, two);
          expect(two).toBe(seen.get(k2));
        }
      }
    }
    expect(seen.size).toBe(3 + 9);
  });
});

describe('ChainCache.extend on a chain-key collision', () => {
  it('the colliding node is what the hash gives, and it is not remembered as another chain', () => {
    // A collision of two 53-bit chain keys, simulated: the hash answers (root, a) with the
    // node of the chain x, b. The kernel confuses those two chains; (root, b) stays b's own.
    const cache = new ChainCache();
    const [a, b, x] = [cls(1), cls(2), cls(3)];
    const xb = cache.extend(cache.extend(cache.root, x, 0), b, 0);
    const justB = cache.extend(cache.root, b, 0);
    expect(justB).not.toBe(xb);
    const get = jest.spyOn(NumberTable.prototype, 'get').mockReturnValueOnce(xb);
    try {
      expect(cache.extend(cache.root, a, 0)).toBe(xb);
    } finally {
      get.mockRestore();
    }
    expect(cache.extend(cache.root, b, 0)).toBe(justB);
    expect(cache.root.next).toBe(justB);
  });
});
