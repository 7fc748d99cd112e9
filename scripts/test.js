#!/usr/bin/env node
// `npm test`: typecheck and build (tsc, then the bundled fedmesh command), lint, the dependency check, then every test file.
// Pure tests (unit, property, simulation) run two files at a time; integration tests, which start
// real processes, run one file at a time. Ends with one summary line: "N passed, N failed".
// `npm test -- PATTERN` runs only test files whose path contains PATTERN (the checks still run).
import { spawnSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filter = process.argv[2]
const started = Date.now()
const failures = []

function step (name, cmd, args) {
  const t0 = Date.now()
  process.stdout.write(`\n== ${name}\n`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  const ok = r.status === 0
  process.stdout.write(`== ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
  if (!ok) failures.push(name)
  return ok
}

function findTests (dir) {
  let out = []
  let entries
  try { entries = readdirSync(dir) } catch { return out }
  for (const e of entries.sort()) {
    const p = join(dir, e)
    if (statSync(p).isDirectory()) out = out.concat(findTests(p))
    else if (e.endsWith('.test.js')) out.push(p)
  }
  return out
}

function runTests (name, files, concurrency) {
  return new Promise((resolve) => {
    if (files.length === 0) { resolve({ pass: 0, fail: 0 }); return }
    process.stdout.write(`\n== ${name}: ${files.length} files\n`)
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files.map(f => relative(root, f))], {
      cwd: root, stdio: ['ignore', 'pipe', 'inherit']
    })
    let tail = ''
    child.stdout.on('data', (d) => { process.stdout.write(d); tail = (tail + d.toString()).slice(-4000) })
    child.on('close', (code) => {
      const pass = Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0)
      const fail = Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? (code === 0 ? 0 : 1))
      if (code !== 0) failures.push(name)
      resolve({ pass, fail: code !== 0 && fail === 0 ? 1 : fail })
    })
  })
}

const built = step('typecheck + build (tsc)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']) &&
  step('bundle the fedmesh command (esbuild)', process.execPath, [join(root, 'scripts/bundle.js')])
step('lint (eslint)', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'])
step('dependency check (dependency-cruiser)', process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'])

let pass = 0
let fail = 0
if (built) {
  const all = findTests(join(root, 'dist/test')).filter(f => filter == null || f.includes(filter))
  const integration = all.filter(f => f.includes('/integration/'))
  const pure = all.filter(f => !f.includes('/integration/'))
  for (const [name, files, conc] of [['unit, property and simulation tests', pure, 2], ['integration tests (real processes)', integration, 1]]) {
    const r = await runTests(name, files, conc)
    pass += r.pass
    fail += r.fail
  }
  if (all.length === 0) { failures.push('no test files found'); fail += 1 }
}

const secs = ((Date.now() - started) / 1000).toFixed(0)
process.stdout.write(`\n${failures.length === 0 ? 'PASS' : 'FAIL'}${failures.length ? ` (${failures.join('; ')})` : ''} in ${secs} s\n`)
process.stdout.write(`${pass} passed, ${fail} failed\n`)
process.exit(failures.length === 0 ? 0 : 1)
