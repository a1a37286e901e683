// The layers point one way: sim <- model <- scenarios <- properties. A module may import from its
// own layer and the layers to its left, never from a layer to its right.
const layer = (name, forbidden) => ({
  name: `${name}-imports-up`,
  comment: `${name}/ may not import from ${forbidden.join(', ')}/ (layers: sim <- model <- scenarios <- properties)`,
  severity: 'error',
  from: { path: `^${name}/` },
  to: { path: `^(${forbidden.join('|')})/` },
});

module.exports = {
  forbidden: [
    layer('sim', ['model', 'scenarios', 'properties']),
    layer('model', ['scenarios', 'properties']),
    layer('scenarios', ['properties']),
    {
      name: 'model-without-immer',
      comment: 'model/ changes worlds only through the engine step primitives (sim/step.ts), never through immer itself',
      severity: 'error',
      from: { path: '^(model|scenarios)/' },
      to: { path: 'node_modules/immer/' },
    },
    {
      name: 'no-circular',
      comment: 'import cycles make load order matter',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.scratch|\\.mmu-race)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
