#!/usr/bin/env node
// The fedmesh command; the compiled code lives in dist/ (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/src/node/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  console.error('fedmesh: not built yet; run `npm install` (or `npm run build`) in the fedmesh folder first')
  process.exit(1)
}
const { main } = await import(entry.href)
// Exit explicitly: a stopped node may leave idle handles that would delay exit by a second or more.
process.exit(await main(process.argv.slice(2)))
