/**
 * Layering rule (docs/architecture.md): imports point down only. A module may import
 * from its own layer and the layers below it, never from a layer above.
 *
 *   core < report < primitives < kernel.ts < models < graph, trace < interop < cli, jest < index.ts
 *
 * `report` formats what `core` emits, so it sits right above it; `core` imports nothing
 * outside itself. `npm run lint` runs `depcruise src`.
 */
const LAYERS = [
  ['core', '^src/core/'],
  ['report', '^src/report/'],
  ['primitives', '^src/primitives/'],
  ['kernel', '^src/kernel\\.ts$'],
  ['models', '^src/models/'],
  ['graph', '^src/graph/'],
  ['trace', '^src/trace/'],
  ['interop', '^src/interop/'],
  ['cli', '^src/cli/'],
  ['jest', '^src/jest/'],
  ['index', '^src/index\\.ts$'],
];
/** layers that share a rank (neither is above the other) */
const RANK = {
  core: 0,
  report: 1,
  primitives: 2,
  kernel: 3,
  models: 4,
  graph: 5,
  trace: 5,
  interop: 6,
  cli: 7,
  jest: 7,
  index: 8,
};

const upward = LAYERS.map(([name, path]) => {
  const above = LAYERS.filter(([other]) => RANK[other] > RANK[name]).map(([, p]) => p);
  return {
    name: `layer-${name}-imports-up`,
    comment: `${name} may import only from its own layer and the layers below it (docs/architecture.md)`,
    severity: 'error',
    from: { path },
    to: { path: above },
  };
}).filter((r) => r.to.path.length > 0);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular-across-layers',
      comment: 'a cycle between two layers is an upward import in disguise',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, path: '^src/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
