/**
 * lockdep: a model of the Linux kernel's lock validator.
 *
 * Build a kernel with createKernel(), declare locks on it, run modelled kernel code in
 * task, softirq, hardirq and NMI context, and read the violations it raises as data
 * (`kernel.violations`) or as the kernel's text (`formatViolation`).
 */
export { createKernel, Kernel } from './kernel';
export type { IrqOptions, KernelSummary, MapInit } from './kernel';
export { DEFAULT_LIMITS, PREEMPT_MODELS, POLICIES, resolveConfig } from './core/config';
export type { KernelConfig, KernelOptions, LockdepLimits, PreemptModel, ViolationPolicy } from './core/config';
export { ConfigError, LockdepError, UsageError } from './core/errors';
export type { LockdepErrorCode } from './core/errors';
export { LD_WAIT, LD_LOCK, WAIT_TYPE_NAMES, resolveWait } from './core/waitType';
export type { LockTypeName, WaitLevel, WaitTypeName } from './core/waitType';
export type { ViolationListener } from './core/sink';
export { RawSpinlock, Spinlock } from './primitives/spinlock';
export type { NestOptions } from './primitives/spinlock';
export { Rwlock } from './primitives/rwlock';
export { LocalLock } from './primitives/localLock';
export { Mutex, RtMutex, RwSemaphore, PercpuRwSemaphore } from './primitives/sleeping';
export { Srcu, Seqcount, LockdepMapAnnotation, WaitOverrideMap } from './primitives/annotations';
export type { MapAcquireOptions } from './primitives/annotations';
export type { CallOptions, LockInit } from './primitives/lockBase';
export { formatViolation, formatLines, violationTitle } from './report/format';
export { violationToJson } from './report/json';
export { LockdepViolationError } from './report/error';
export { VIOLATION_KINDS, isLockdepReport, violationLock, violationSignature } from './report/violation';
export type * from './report/violation';
