// Runs one benchmark from dist/bench (built first by `npm run bench`): `npm run bench -- NAME [ARGS...]`.
// Without a name, lists the benchmarks.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = join(new URL('..', import.meta.url).pathname, 'dist', 'bench')
const names = readdirSync(dir).filter(f => f.endsWith('.js')).map(f => f.slice(0, -3)).sort()
const [name, ...args] = process.argv.slice(2)
if (name === undefined || !existsSync(join(dir, `${name}.js`))) {
  console.error(`${name === undefined ? 'usage' : `no benchmark "${name}"; usage`}: npm run bench -- NAME [ARGS...]\nbenchmarks: ${names.join(', ')}`)
  process.exit(name === undefined ? 0 : 2)
}
const run = spawnSync(process.execPath, [join(dir, `${name}.js`), ...args], { stdio: 'inherit' })
process.exit(run.status ?? 1)
