import assert from 'node:assert/strict'
import { LocalMesh } from '../../../src/node/local-mesh.js'
import type { MeshProcess } from '../../../src/node/local-mesh.js'

export type Health = 'alive' | 'suspect' | 'dead'

export interface HealthPeerRow { peerId: string, health: Health, connected: boolean | null, rttMs: number | null }
export interface StatusBody {
  peerId: string
  peers: Array<{ peerId: string, connected: boolean, health?: Health }>
  health: { peers: HealthPeerRow[], eventLoopLagMs: number, localHealthMultiplier: number }
  partition: { partitioned: boolean, type: string, since: string | null, affectedNodes: string[] }
  mesh: {
    healthy: number
    suspect: number
    dead: number
    transitions: { joined: number, suspected: number, died: number, recovered: number, left: number }
    heartbeats: { sent: number, received: number, malformed: number }
    balancer: { selections: Record<string, number> }
    breakers: { total: number, closed: number, open: number, halfOpen: number }
    partitions: { seen: number, healed: number }
  }
}

/**
 * A full mesh of `nodes` processes started one after another, each bootstrapping from every node before it. These
 * tests are about failure detection, so the mesh does not rely on peer exchange (which, with every subsystem
 * composed, sometimes leaves later nodes connected to node 0 alone until its next background round).
 */
export async function startMesh (nodes: number): Promise<LocalMesh> {
  const mesh = await LocalMesh.start({ nodes: 1 })
  try {
    for (let i = 1; i < nodes; i++) await mesh.spawnNode(i, mesh.nodes.flatMap(n => ['--bootstrap', n.addresses[0] as string]))
  } catch (err) {
    await mesh.stop()
    throw err
  }
  return mesh
}

export async function status (api: string): Promise<StatusBody> {
  const res = await fetch(`${api}/v1/status`, { signal: AbortSignal.timeout(5_000) })
  assert.equal(res.status, 200)
  return await res.json() as StatusBody
}

/** `peer`'s health as `node` reports it (undefined when it does not list the peer). */
export async function healthAt (node: MeshProcess, peer: string): Promise<Health | undefined> {
  return (await status(node.api)).health.peers.find(p => p.peerId === peer)?.health
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls (every `everyMs`) until `check` holds; returns the time it took (ms). */
export async function timeUntil (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<number> {
  const start = performance.now()
  while (true) {
    if (await check()) return performance.now() - start
    if (performance.now() - start > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/**
 * For each observer, the time (ms from `since`) at which it first reported `peer` as `wanted`; polled in
 * parallel every `everyMs`. Fails after `timeoutMs`.
 */
export async function timesUntilAll (observers: MeshProcess[], peer: string, wanted: Health, since: number, timeoutMs: number, everyMs = 20): Promise<number[]> {
  return await Promise.all(observers.map(async (o) => {
    while (true) {
      if ((await healthAt(o, peer)) === wanted) return performance.now() - since
      if (performance.now() - since > timeoutMs) assert.fail(`node ${o.index} did not see ${peer} ${wanted} within ${timeoutMs} ms`)
      await sleep(everyMs)
    }
  }))
}

/** Every node lists every other as alive. */
export async function allAlive (mesh: LocalMesh, nodes: MeshProcess[] = mesh.nodes): Promise<boolean> {
  const all = await Promise.all(nodes.map(async n => status(n.api)))
  return all.every((s, i) => nodes.every((m, j) => i === j || s.health.peers.some(p => p.peerId === m.peerId && p.health === 'alive')))
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const round = (ms: number): number => Math.round(ms)
