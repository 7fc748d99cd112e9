/** Architecture rules checked by `npm test` (see ARCHITECTURE.md). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make layers meaningless and start-up order fragile.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'A core/ folder holds a pure protocol core: no libp2p, no network, no disk, no timers of its own.',
      from: { path: '(^|/)core/' },
      to: { path: '(^|/)node_modules/(libp2p|@libp2p|@chainsafe|@multiformats|datastore-|level|classic-level|it-)|^(net|node:net|dgram|node:dgram|fs|node:fs|fs/promises|node:fs/promises|http|node:http|child_process|node:child_process)$' }
    },
    {
      name: 'core-stays-in-core',
      severity: 'error',
      comment: 'A pure core may import other pure modules only, never the adapters around it.',
      from: { path: '(^|/)core/' },
      to: { path: '^src/', pathNot: '(^|/)core/|^src/util/pure/' }
    },
    {
      name: 'layers-point-down',
      severity: 'error',
      comment: 'Subsystems never import the node that composes them.',
      from: { path: '^src/(consensus|replication|discovery|mesh)/' },
      to: { path: '^src/node/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } }
  }
}
