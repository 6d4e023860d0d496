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

const grown = (a: Int32Array<ArrayBuffer>, min: number): Int32Array<ArrayBuffer> => {
  let n = a.length * 2;
  while (n < min) n *= 2;
  const g = new Int32Array(n);
  g.set(a);
  return g;
};

/** Words a part of `n` bytes takes: its full words, then its last 1-3 bytes in one. */
const words = (n: number): number => (n + 3) >> 2;

/** Longest key (in words) whose words the scratch array keeps; a longer one gets its own. */
const SCRATCH_WORDS = 64;

export class ByteKeys<T> {
  /** per slot: the key's hash and where its record starts + 1 (0: a free slot), side by side */
  private slots = new Int32Array(2 * 256);
  /**
   * per key, one record: its index in `values`, its two parts' lengths in bytes, then each
   * part's words (the last one zero-padded): what a lookup reads after the slot is in
   * one run of memory
   */
  private recs = new Int32Array(1024);
  private used = 0;
  private readonly values: T[] = [];
  /** the words of the key being looked up */
  private readonly scratch = new Int32Array(SCRATCH_WORDS);
  private readonly seed = (Math.random() * 0x7fffffff) | 0;

  /** The value of the key b[p1, p1 + n1), b[p2, p2 + n2), if it was added. */
  get(dv: DataView, b: Uint8Array, p1: number, n1: number, p2: number, n2: number): T | undefined {
    const w1 = words(n1);
    const nw = w1 + words(n2);
    const key = nw <= SCRATCH_WORDS ? this.scratch : new Int32Array(nw);
    let h = loadWords(dv, b, p1, n1, key, 0, this.seed);
    h = fmix(loadWords(dv, b, p2, n2, key, w1, Math.imul(h ^ 0x20, FNV)));
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[2 * i + 1];
      if (s === 0) return undefined;
      if (slots[2 * i] !== h) continue;
      const r = s - 1;
      const recs = this.recs;
      if (recs[r + 1] !== n1 || recs[r + 2] !== n2) continue;
      let j = 0;
      while (j < nw && recs[r + 3 + j] === key[j]) j++;
      if (j === nw) return this.values[recs[r]];
    }
  }

  /** Add the key `first`, `second` (ASCII text, not in the table yet) with its value. */
  add(first: string, second: string, value: T): void {
    const n1 = first.length;
    const n2 = second.length;
    const w1 = words(n1);
    const nw = w1 + words(n2);
    const r = this.used;
    this.used = r + 3 + nw;
    if (this.used > this.recs.length) this.recs = grown(this.recs, this.used);
    const recs = this.recs;
    const k = this.values.length;
    this.values.push(value);
    recs[r] = k;
    recs[r + 1] = n1;
    recs[r + 2] = n2;
    const bytes = Buffer.from(first + second, 'latin1');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const key = recs.subarray(r + 3, r + 3 + nw);
    let h = loadWords(dv, bytes, 0, n1, key, 0, this.seed);
    h = fmix(loadWords(dv, bytes, n1, n2, key, w1, Math.imul(h ^ 0x20, FNV)));
    // at most half full: probe runs stay short
    if ((k + 1) * 4 > this.slots.length) {
      const old = this.slots;
      this.slots = new Int32Array(old.length * 2);
      for (let j = 1; j < old.length; j += 2) if (old[j] !== 0) this.place(old[j - 1], old[j]);
    }
    this.place(h, r + 1);
  }

  private place(h: number, s: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = s;
  }
}

/**
 * b[p, p + n) as words into key[at...] (the last 1-3 bytes zero-padded in one), mixed
 * into h as FNV-1a over words: the hash of what the comparison will read.
 */
function loadWords(
  dv: DataView,
  b: Uint8Array,
  p: number,
  n: number,
  key: Int32Array,
  at: number,
  h: number,
): number {
  for (; n >= 4; p += 4, n -= 4, at++) {
    const w = dv.getInt32(p, true);
    key[at] = w;
    h = Math.imul(h ^ w, FNV);
  }
  if (n > 0) {
    let w = 0;
    for (let i = n - 1; i >= 0; i--) w = (w << 8) | b[p + i];
    key[at] = w;
    h = Math.imul(h ^ w, FNV);
  }
  return h;
}
