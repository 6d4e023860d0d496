/**
 * NumberTable (src/core/numberTable.ts), the open-addressing map behind the chain cache
 * (lookup_chain_cache()'s chain-key hash) and the dependency index: every key added is
 * found again with its value after the table has grown many times, and keys never added
 * are not found. Keys are of both kinds it holds: 53-bit chain keys and class-pair ids.
 */
import { INITIAL_CHAIN_KEY, iterateChainKey } from '../../src/core/chainKey';
import { NumberTable } from '../../src/core/numberTable';

describe('NumberTable', () => {
  it.each([
    ['chain keys (iterate_chain_key())', (i: number) => iterateChainKey(INITIAL_CHAIN_KEY, i)],
    ['class-pair ids (prev * 2^21 + next)', (i: number) => (i % 97) * 2 ** 21 + Math.floor(i / 97)],
    ['small consecutive integers', (i: number) => i],
  ])('%s: 20,000 keys through 5 growths, each found with its value', (_name, keyOf) => {
    const t = new NumberTable<{ i: number }>();
    const n = 20000;
    for (let i = 0; i < n; i++) {
      expect(t.get(keyOf(i))).toBeUndefined();
      t.add(keyOf(i), { i });
    }
    expect(t.size).toBe(n);
    for (let i = 0; i < n; i++) expect(t.get(keyOf(i))?.i).toBe(i);
    for (let i = n; i < n + 1000; i++) expect(t.get(keyOf(i))).toBeUndefined();
  });
});
