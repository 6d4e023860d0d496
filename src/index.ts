/**
 * lockdep: a model of the Linux kernel's lock validator.
 *
 * Build a kernel with createKernel(), declare locks on it, run modelled kernel code in
 * task, softirq, hardirq and NMI context, and read the violations it raises as data
 * (`kernel.violations`) or as the kernel's text (`formatViolation`).
 */
// the kernel, its configuration and errors
export { createKernel, Kernel } from './kernel';
export type { IrqOptions, KernelSummary, MapInit } from './kernel';
export { DEFAULT_LIMITS, PREEMPT_MODELS, POLICIES, resolveConfig } from './core/config';
export type {
  KernelConfig,
  KernelOptions,
  LockdepLimits,
  PreemptModel,
  ViolationPolicy,
} from './core/config';
export { ConfigError, LockdepError, UsageError } from './core/errors';
export type { LockdepErrorCode } from './core/errors';
export { LD_WAIT, LD_LOCK, WAIT_TYPE_NAMES, resolveWait } from './core/waitType';
export type { LockTypeName, WaitLevel, WaitTypeName } from './core/waitType';
export type { ViolationListener } from './core/sink';
// lock primitives
export { RawSpinlock, Spinlock } from './primitives/spinlock';
export type { NestOptions } from './primitives/spinlock';
export { Rwlock } from './primitives/rwlock';
export type { RwlockInit } from './primitives/rwlock';
export { LocalLock } from './primitives/localLock';
export { Mutex, RtMutex, RwSemaphore, PercpuRwSemaphore } from './primitives/sleeping';
export { Srcu, Seqcount, LockdepMapAnnotation, WaitOverrideMap } from './primitives/annotations';
export type { MapAcquireOptions } from './primitives/annotations';
export type { CallOptions, LockInit } from './primitives/lockBase';
// violations: data, kernel text, JSON
export { formatViolation, formatLines, violationTitle } from './report/format';
export { violationToJson, violationRecord } from './report/json';
export type { ViolationRecord } from './report/json';
export { LockdepViolationError } from './report/error';
export {
  VIOLATION_KINDS,
  isLockdepReport,
  violationLock,
  violationLockSnapshot,
  violationSignature,
} from './report/violation';
// types listed one by one: `export type *` would also let TypeScript accept a named ESM
// import of the internal assertNever(), which Node cannot find in the CommonJS build
export type {
  LockSnapshot,
  ClassSnapshot,
  TaskSnapshot,
  IrqStateSnapshot,
  ViolationBase,
  InvalidWaitContext,
  SleepingInAtomic,
  SchedulingWhileAtomic,
  BadUnlockBalance,
  MaxLockDepth,
  LockHeldAtExit,
  RecursiveLocking,
  ChainEntry,
  CircularDependency,
  UsageStr,
  InconsistentLockState,
  IrqStateName,
  PathEntry,
  UsageTrace,
  IrqUnsafeOrder,
  IrqInversion,
  NestedLockNotTaken,
  HeldLockFreed,
  SuspiciousRcuUsage,
  LockdepLimitReached,
  DebugLocksWarning,
  KernelWarning,
  Violation,
  ViolationKind,
} from './report/violation';
// the dependency graph as DOT or Mermaid
export { renderGraph } from './graph/render';
export type { GraphFormat, GraphOptions } from './graph/render';
// traces: format, replay, matrix
export { TraceError } from './trace/errors';
export type { TraceErrorCode, SourcePosition } from './trace/errors';
export { TRACE_VERSION, LOCK_TYPE_TAGS, RCU_LOCKS, MATRIX_CONFIG_IDS } from './trace/schema';
export type {
  Trace,
  TraceHeader,
  TraceEvent,
  LockDecl,
  PrimitiveLockDecl,
  MapLockDecl,
  LockTypeTag,
  TraceExpect,
  ExpectedModels,
  ExpectedViolation,
  MatrixConfigId,
} from './trace/schema';
export { OPS, CORE_OPS, defineOp } from './trace/ops';
export type { OpSpec, OpTable, ReplayState, OpDefinition, EventOf, FieldSet } from './trace/ops';
export { traceJsonSchema } from './trace/jsonSchema';
export { field } from './trace/fields';
export type { FieldValidator, FieldIssue, FieldType, JsonSchema } from './trace/fields';
export { parseTrace, streamTraceFile, TraceReader } from './trace/reader';
export type { TraceConsumer, TraceFormat } from './trace/reader';
export { serializeTrace } from './trace/serialize';
export { Replayer } from './trace/replay';
export type { ReplayOptions, ReplayResult } from './trace/replay';
export { replayTrace, replayTraceFile, checkResultToJson } from './trace/check';
export type { CheckJson } from './trace/check';
export { runMatrix, runMatrixFile, MATRIX_COLUMNS } from './trace/matrix';
export type { MatrixResult, MatrixRow, MatrixColumn, MatrixOptions } from './trace/matrix';
export { verifyExpectations } from './trace/expect';
// models: page allocator, RCU, kvfree_rcu strategies and the scenario matrix
export { createModelSystem, attachModels } from './models/system';
export type { ModelSystem, ModelSystemOptions } from './models/system';
export { ModelEnv, DelayedWork, HrTimer } from './models/env';
export { PageAllocator, PAGE_ALLOCATOR_VERSIONS } from './models/mm/pageAlloc';
export type {
  Page,
  PageAllocatorOptions,
  PageAllocatorStats,
  PageAllocatorVersion,
  Watermark,
} from './models/mm/pageAlloc';
export * as gfp from './models/mm/gfp';
export { Rcu, RcuWork } from './models/rcu/rcu';
export type { RcuStats } from './models/rcu/rcu';
export { KvfreeRcu } from './models/rcu/kvfree';
export { PLACEMENT_LOG_MAX } from './models/rcu/kvfree';
export type {
  KvfreeCounters,
  KvfreeOptions,
  Placement,
  PlacementRecord,
} from './models/rcu/kvfree';
export type { ModelResults } from './trace/modelOps';
export { STRATEGIES, STRATEGY_NAMES, getStrategy } from './models/strategies';
export type { KvfreeStrategy, KvfreeStrategyName, UnderLockAlloc } from './models/strategies';
export {
  runScenarioMatrix,
  runScenarioCell,
  formatScenarioMatrix,
  runWorkload,
  formatWorkloads,
  applyAllocatorState,
  inCallerContext,
  splatTag,
  MATRIX_CONFIGS,
  CALLER_CONTEXTS,
  ALLOCATOR_STATES,
} from './models/scenarios';
export type {
  AllocatorState,
  CallerContext,
  CellResult,
  CellOptions,
  MatrixConfig,
  MatrixOptions as ScenarioMatrixOptions,
  ScenarioCall,
  ScenarioMatrix,
  WorkloadOptions,
  WorkloadResult,
} from './models/scenarios';
// interop: real kernel reports (lockdep explain) and ftrace text import
export {
  explainText,
  formatExplanation,
  formatReportExplanation,
  formatExplainErrors,
  explanationToJson,
} from './interop/explain';
export type {
  ExplainOptions,
  ExplainResult,
  ExplainedReport,
  UnexplainedReport,
  ReportExplanation,
  Reading,
  ExplainTextOptions,
} from './interop/explain';
export type { PrimitiveLookup, ProveEvidence, ProveInference } from './interop/infer';
export { parseReports, parseLockLine, REPORT_KINDS } from './interop/splatParser';
export type {
  ParsedReport,
  ParsedLock,
  ParsedClass,
  ReportKind,
  ReportParseError,
} from './interop/splatParser';
export { reconstruct } from './interop/reconstruct';
export type {
  Scenario,
  ScenarioLock,
  Culprit,
  ContextName,
  ReconstructOptions,
} from './interop/reconstruct';
export { matrixVerdicts } from './interop/replay';
export type { Verdict } from './interop/replay';
export {
  FtraceConverter,
  ftraceToTrace,
  checkFtraceFile,
  formatFtraceSummary,
} from './interop/ftrace';
export type { FtraceSummary, FtraceCheckOptions, FtraceCheckResult } from './interop/ftrace';
export {
  builtinClassTable,
  parseClassTable,
  parseClassTableText,
  globMatcher,
  lookupClass,
} from './interop/classTable';
export type { ClassTable, ClassEntry, NameMatcher } from './interop/classTable';
export { InteropError } from './interop/errors';
// what-if: lock classes from C source, /proc/lockdep_chains under every configuration
export { catalogueLockType, bundledClassTable } from './interop/catalogue/lookup';
export { CatalogueBuilder, scanPaths, catalogueToJson } from './interop/catalogue/catalogue';
export type { Catalogue, CatalogueJson, CatalogueConflict } from './interop/catalogue/catalogue';
export { parseChains, readChainsFile, ChainsInputError } from './interop/chains/parse';
export type { LockChain, IrqContext } from './interop/chains/parse';
export { ChainChecker } from './interop/chains/check';
export type { ChainResult, ChainVerdict, ChainSummary } from './interop/chains/check';
