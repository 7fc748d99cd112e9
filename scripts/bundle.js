#!/usr/bin/env node
// Second build step (after tsc): the `fedmesh` command as one file, dist/fedmesh.mjs, which bin/fedmesh.js runs.
// Contract: the bundle holds the compiled CLI (dist/src/node/cli/main.js) and every dependency except native addons,
// without whitespace and with syntax shortened but names kept, so stack traces still name functions.
// Why: a node process then holds one 1.5 MB script instead of about 620 modules with 3 MB of source, which is
// several MB less RSS per node (figures in README.md, "Memory"). The library (`import 'fedmesh'`) stays unbundled.
import { build } from 'esbuild'

const root = new URL('..', import.meta.url).pathname

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/node/cli/main.js'],
  outfile: 'dist/fedmesh.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addons load their binary from their own package folder.
  external: ['classic-level'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-in modules.
  banner: { js: "import { createRequire as fedmeshCreateRequire } from 'node:module'; const require = fedmeshCreateRequire(import.meta.url);" },
  logLevel: 'warning'
})
