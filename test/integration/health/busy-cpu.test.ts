import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { allAlive, sleep, startMesh, status, timeUntil } from './helpers.js'
import type { LocalMesh } from '../../../src/node/local-mesh.js'
import type { ChildProcess } from 'node:child_process'

/** The 10 s version of the 60 s no-false-dead run in bench/health.ts. */
const RUN_MS = 10_000

describe('no false deaths while the CPU is busy', () => {
  let mesh: LocalMesh
  const burners: ChildProcess[] = []

  before(async () => {
    mesh = await startMesh(3)
    await timeUntil('a full healthy mesh of 3', async () => allAlive(mesh), 20_000, 100)
  })

  after(async () => {
    for (const b of burners) b.kill('SIGKILL')
    await mesh?.stop()
  })

  it(`3 nodes with one busy loop per core for ${RUN_MS / 1000} s: nobody is declared dead`, async () => {
    const before = await Promise.all(mesh.nodes.map(async n => (await status(n.api)).mesh.transitions))
    for (let i = 0; i < availableParallelism(); i++) {
      burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
    }
    await sleep(RUN_MS)
    for (const b of burners) b.kill('SIGKILL')
    const afterRun = await Promise.all(mesh.nodes.map(async n => (await status(n.api)).mesh.transitions))
    const died = afterRun.reduce((sum, t, i) => sum + t.died - before[i]!.died, 0)
    const suspected = afterRun.reduce((sum, t, i) => sum + t.suspected - before[i]!.suspected, 0)
    console.info(`busy CPU for ${RUN_MS} ms with ${burners.length} busy loop(s): ${died} dead and ${suspected} suspect transitions across 3 nodes`)
    assert.equal(died, 0)
    assert.ok(await allAlive(mesh))
  })
})
