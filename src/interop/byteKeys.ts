/**
 * A table from byte-string keys in two parts (a lock's address and its name) to values,
 * looked up from the bytes of a line in place: finding a key met before makes no string.
 *
 * The keys live in one growing byte pool and the table is open addressing over typed
 * arrays, so a lookup touches a few cache lines that stay hot; an object per key with its
 * own byte buffer cost a cache miss or more per hop while file chunks stream through the
 * cache. The hash is seeded at random so that a hostile file cannot aim its keys at one
 * probe run (the table stays linear on any input).
 */

const FNV = 0x01000193;

/** FNV-1a over 32-bit words, then the last bytes. */
export function mixBytes(dv: DataView, b: Uint8Array, p: number, len: number, h: number): number {
  for (; len >= 4; p += 4, len -= 4) h = Math.imul(h ^ dv.getInt32(p, true), FNV);
  for (; len > 0; p++, len--) h = Math.imul(h ^ b[p], FNV);
  return h;
}

/** MurmurHash3's finalizer: FNV leaves the low bits, which pick the slot, poorly mixed. */
export function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Whether b1[p1, p1 + len) and b2[p2, p2 + len) hold the same bytes: 4 at a time. */
export function sameBytes(
  dv1: DataView,
  b1: Uint8Array,
  p1: number,
  dv2: DataView,
  b2: Uint8Array,
  p2: number,
  len: number,
): boolean {
  for (; len >= 4; p1 += 4, p2 += 4, len -= 4)
    if (dv1.getInt32(p1, true) !== dv2.getInt32(p2, true)) return false;
  for (; len > 0; p1++, p2++, len--) if (b1[p1] !== b2[p2]) return false;
  return true;
}

const grown = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
  const g = new Int32Array(a.length * 2);
  g.set(a);
  return g;
};

export class ByteKeys<T> {
  /** key index + 1 per slot, 0 for a free one */
  private slots = new Int32Array(256);
  private hashes = new Int32Array(64);
  /** where each key's bytes start in the pool, and its two parts' lengths */
  private offs = new Int32Array(64);
  private firstLens = new Int32Array(64);
  private lens = new Int32Array(64);
  private readonly values: T[] = [];
  private pool = new Uint8Array(4096);
  private poolDv = new DataView(this.pool.buffer);
  private used = 0;
  private readonly seed = (Math.random() * 0x7fffffff) | 0;

  /** The hash of the key b[p1, p1 + n1), b[p2, p2 + n2) (`dv` views b). */
  hash(dv: DataView, b: Uint8Array, p1: number, n1: number, p2: number, n2: number): number {
    const h = mixBytes(dv, b, p1, n1, this.seed);
    return fmix(mixBytes(dv, b, p2, n2, Math.imul(h ^ 0x20, FNV)));
  }

  /** The value of the key b[p1, p1 + n1), b[p2, p2 + n2), if it was added. */
  get(dv: DataView, b: Uint8Array, p1: number, n1: number, p2: number, n2: number): T | undefined {
    const h = this.hash(dv, b, p1, n1, p2, n2);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === 0) return undefined;
      const k = s - 1;
      if (this.hashes[k] !== h || this.firstLens[k] !== n1 || this.lens[k] !== n1 + n2) continue;
      const off = this.offs[k];
      if (
        sameBytes(this.poolDv, this.pool, off, dv, b, p1, n1) &&
        sameBytes(this.poolDv, this.pool, off + n1, dv, b, p2, n2)
      )
        return this.values[k];
    }
  }

  /** Add the key `first`, `second` (ASCII text, not in the table yet) with its value. */
  add(first: string, second: string, value: T): void {
    const n1 = first.length;
    const n = n1 + second.length;
    while (this.used + n > this.pool.length) {
      const p = new Uint8Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
      this.poolDv = new DataView(p.buffer);
    }
    const off = this.used;
    for (let i = 0; i < n1; i++) this.pool[off + i] = first.charCodeAt(i);
    for (let i = n1; i < n; i++) this.pool[off + i] = second.charCodeAt(i - n1);
    this.used += n;
    const k = this.values.length;
    if (k === this.hashes.length) {
      this.hashes = grown(this.hashes);
      this.offs = grown(this.offs);
      this.firstLens = grown(this.firstLens);
      this.lens = grown(this.lens);
    }
    this.hashes[k] = this.hash(this.poolDv, this.pool, off, n1, off + n1, n - n1);
    this.offs[k] = off;
    this.firstLens[k] = n1;
    this.lens[k] = n;
    this.values.push(value);
    // at most half full: probe runs stay short
    if ((k + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let j = 0; j < k; j++) this.place(j);
    }
    this.place(k);
  }

  private place(k: number): void {
    const mask = this.slots.length - 1;
    let i = this.hashes[k] & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = k + 1;
  }
}
