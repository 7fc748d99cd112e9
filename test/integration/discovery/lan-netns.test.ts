import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const script = fileURLToPath(new URL('../../../../examples/lan-discovery-netns.sh', import.meta.url))
const isRoot = process.getuid?.() === 0
const hasIp = spawnSync('ip', ['netns', 'list']).status === 0
const skip = !isRoot ? 'needs root to create network namespaces' : !hasIp ? 'needs iproute2 (ip netns)' : false

describe('LAN auto-discovery in network namespaces', () => {
  it('three hosts find each other by mDNS with zero configuration; another tag stays apart', { skip, timeout: 60_000 }, () => {
    const r = spawnSync('bash', [script, '20'], { encoding: 'utf8', timeout: 50_000 })
    assert.equal(r.status, 0, `script failed:\n${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /hosts 1-3 found each other by mDNS/)
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout
    assert.ok(!/fm-(sw|h\d)-/.test(left), `namespaces left behind: ${left}`)
  })
})
