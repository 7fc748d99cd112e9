import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fedmeshBin } from '../../../src/node/local-mesh.js'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from '../../../src/node/process-tuning.js'

describe('process tuning', () => {
  it('bin/fedmesh.js runs node with exactly the settings of process-tuning.ts', () => {
    const shebang = readFileSync(fedmeshBin(), 'utf8').split('\n')[0] as string
    const expected = ['#!/usr/bin/env', '-S', ...Object.entries(NODE_PROCESS_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...NODE_PROCESS_FLAGS]
    assert.deepEqual(shebang.split(' '), expected)
  })

  it('the flags are accepted: bin/fedmesh.js runs through its first line', () => {
    const r = spawnSync(fedmeshBin(), ['--version'], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^\d+\.\d+\.\d+/)
  })

  it('the engine applies them: a spawned node reports a 2 MiB semi-space', () => {
    const script = 'const v8 = require("node:v8"); const s = v8.getHeapSpaceStatistics().find(x => x.space_name === "new_space"); ' +
      'const a = []; for (let i = 0; i < 2e6; i++) a.push({ i }); console.log(JSON.stringify({ size: s.space_size, arena: process.env.MALLOC_ARENA_MAX }))'
    const r = spawnSync(process.execPath, [...NODE_PROCESS_FLAGS, '-e', script], { encoding: 'utf8', env: { ...process.env, ...NODE_PROCESS_ENV } })
    assert.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout) as { size: number, arena: string }
    assert.ok(out.size <= 4 * 2 ** 20, `new space is ${out.size} bytes`)
    assert.equal(out.arena, NODE_PROCESS_ENV.MALLOC_ARENA_MAX)
  })
})
