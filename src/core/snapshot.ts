/** Capturing what a report prints, at the moment it is raised (never on the success path). */
import type { ClassSnapshot, LockSnapshot, UsageTrace } from './violation';
import type { LockClass } from './lockClass';
import type { HeldLock, Task } from './task';
import { LOCK_USED, usageChars, usageStr } from './usage';

export function classSnapshot(c: LockClass): ClassSnapshot {
  return { name: c.name, usage: usageChars(c.usageMask), outer: c.printedOuter, inner: c.inner };
}

export function lockSnapshot(h: HeldLock): LockSnapshot {
  return {
    name: h.cls.name,
    instance: h.map.name,
    address: h.map.address,
    usage: usageChars(h.cls.usageMask),
    outer: h.cls.printedOuter,
    inner: h.cls.inner,
    read: h.read,
    trylock: h.trylock,
    at: h.at,
  };
}

export function heldSnapshot(t: Task): LockSnapshot[] {
  const out: LockSnapshot[] = [];
  for (let i = 0; i < t.depth; i++) out.push(lockSnapshot(t.held[i]));
  return out;
}

export function usageTraces(c: LockClass): UsageTrace[] {
  const out: UsageTrace[] = [];
  for (let bit = 0; bit <= LOCK_USED + 1; bit++) {
    if (c.usageMask & (1 << bit)) out.push({ usage: usageStr(bit), at: c.usageAt[bit] ?? '' });
  }
  return out;
}
