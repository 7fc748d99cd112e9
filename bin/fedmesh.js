#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=15 --no-parallel-scavenge
// The fedmesh command; its code is one bundled file, dist/fedmesh.mjs (built by `npm install` / `npm run build`).
// The first line runs it with the engine and allocator settings of src/node/process-tuning.ts (kept equal by a test).
import { existsSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

// More V8 flags, e.g. FEDMESH_V8_FLAGS=--optimize-for-size (not accepted in NODE_OPTIONS): a few MB less RSS again,
// for about 30% slower Raft writes.
if (process.env.FEDMESH_V8_FLAGS !== undefined && process.env.FEDMESH_V8_FLAGS !== '') setFlagsFromString(process.env.FEDMESH_V8_FLAGS)

const entry = new URL('../dist/fedmesh.mjs', import.meta.url)
if (!existsSync(entry)) {
  console.error('fedmesh: not built yet; run `npm install` (or `npm run build`) in the fedmesh folder first')
  process.exit(1)
}
const { main } = await import(entry.href)
// Exit explicitly: a stopped node may leave idle handles that would delay exit by a second or more.
process.exit(await main(process.argv.slice(2)))
