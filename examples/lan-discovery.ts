/**
 * Zero-configuration LAN mesh: start this on any number of machines of one LAN (or terminals of one
 * machine) and the nodes find each other by mDNS, connect, and show each other live: the member
 * list and a shared value (each node's uptime, spread as gossip state when the node has it).
 *
 *   npx tsx examples/lan-discovery.ts [--duration SECONDS] [--data-dir DIR] [--tag NAME] [--json]
 *
 * With --json it prints one JSON line per second (used by lan-discovery-netns.sh and its test).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createFederationNode } from '../src/index.js'

const { values } = parseArgs({ options: { duration: { type: 'string' }, 'data-dir': { type: 'string' }, tag: { type: 'string' }, json: { type: 'boolean' } } })
const tempDir = values['data-dir'] == null ? await mkdtemp(join(tmpdir(), 'fedmesh-lan-')) : undefined
const node = await createFederationNode({
  dataDir: values['data-dir'] ?? tempDir,
  mdns: values.tag == null ? true : { tag: values.tag, intervalMs: 1_000 }
})
await node.start()
const started = Date.now()
const me = node.peerId.toString()
if (values.json !== true) console.log(`node ${me} looking for peers by mDNS on ${node.addresses().join(', ')}`)

interface StateFacade { update(key: string, value: unknown): unknown, all(): Record<string, Record<string, unknown>> }
const state = (node as unknown as { state?: StateFacade }).state

const timer = setInterval(() => {
  const uptime = Math.round((Date.now() - started) / 1000)
  state?.update('uptime', uptime)
  const peers = node.status().peers.filter(p => p.connected)
  const shared = state?.all() ?? {}
  if (values.json === true) {
    console.log(JSON.stringify({ peerId: me, uptime, connected: peers.map(p => p.peerId), discoveredBy: Object.fromEntries(peers.map(p => [p.peerId, p.discoveredBy])), shared }))
    return
  }
  console.log(`\n${new Date().toISOString()} ${me.slice(-8)}: ${peers.length} members connected`)
  for (const p of peers) {
    const value = shared[p.peerId]?.uptime
    console.log(`  ${p.peerId}  via ${p.discoveredBy.join(',') || 'inbound'}  rtt ${p.rttMs ?? '-'} ms${value == null ? '' : `  uptime ${String(value)} s`}`)
  }
}, 1_000)

const stop = async (): Promise<void> => {
  clearInterval(timer)
  await node.stop()
  if (tempDir != null) await rm(tempDir, { recursive: true, force: true })
  process.exit(0)
}
process.once('SIGINT', () => { void stop() })
process.once('SIGTERM', () => { void stop() })
if (values.duration != null) setTimeout(() => { void stop() }, Number(values.duration) * 1000)
