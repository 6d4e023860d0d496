/**
 * A hash map from non-negative integer-valued doubles (chain keys, class-pair keys) to
 * values: open addressing over a Float64Array, so a lookup reads two arrays and boxes
 * nothing, where a Map would hash a heap number.
 */
const EMPTY = -1;

export class NumberTable<T> {
  private keys = new Float64Array(1024).fill(EMPTY);
  private values: (T | undefined)[] = new Array<T | undefined>(1024);
  private mask = 1023;
  size = 0;

  private static slot(key: number, mask: number): number {
    // mix the high and low words: keys are hashes or id pairs
    return (Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1) >>> 7) & mask;
  }

  get(key: number): T | undefined {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = NumberTable.slot(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === EMPTY) return undefined;
    }
  }

  /** Add a key that is not in the table. */
  add(key: number, value: T): void {
    if ((this.size + 1) * 2 > this.mask) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = NumberTable.slot(key, mask);
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = key;
    this.values[i] = value;
    this.size++;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldKeys.length * 2;
    const keys = new Float64Array(n).fill(EMPTY);
    const values = new Array<T | undefined>(n);
    const mask = n - 1;
    // every key is known to be absent: place each without add()'s checks
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j];
      if (key === EMPTY) continue;
      let i = NumberTable.slot(key, mask);
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = key;
      values[i] = oldValues[j];
    }
    this.keys = keys;
    this.values = values;
    this.mask = mask;
  }
}
