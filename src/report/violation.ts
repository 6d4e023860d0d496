/**
 * The violation union is core data (core owns what it emits): src/core/violation.ts.
 * This module re-exports it so report-layer code keeps its import path.
 */
export * from '../core/violation';
