/** Helpers for the Raft process tests: HTTP calls against a LocalMesh and waiting on cluster state. */
import assert from 'node:assert/strict'
import type { LocalMesh, MeshProcess } from '../../../src/node/local-mesh.js'
import type { RaftStatusSection } from '../../../src/consensus/raft-service/index.js'

export async function raftStatus (node: MeshProcess, timeoutMs = 2_000): Promise<RaftStatusSection | null> {
  const res = await fetch(`${node.api}/v1/status`, { signal: AbortSignal.timeout(timeoutMs) })
  return (await res.json() as { raft: RaftStatusSection | null }).raft
}

export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) { lastErr = err }
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr !== undefined ? ` (last error: ${String(lastErr)})` : ''}`)
}

/** Waits until every listed node reports the same leader and voter set; returns the leader's peer id. */
export async function waitForLeader (nodes: MeshProcess[], voters: number, timeoutMs = 15_000): Promise<string> {
  return await waitFor(`a leader known to ${nodes.length} nodes with ${voters} voters`, async () => {
    const all = await Promise.all(nodes.map(async n => raftStatus(n)))
    const leader = all[0]?.leader
    if (leader == null) return undefined
    const ok = all.every(s => s != null && s.leader === leader && s.voters.length === voters)
    return ok ? leader : undefined
  }, timeoutMs)
}

export async function put (node: MeshProcess, key: string, value: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Response> {
  return await fetch(`${node.api}/v1/kv/${encodeURIComponent(key)}`, { method: 'PUT', body: value, headers, signal: AbortSignal.timeout(timeoutMs) })
}

export async function get (node: MeshProcess, key: string, consistency = 'linearizable'): Promise<Response> {
  return await fetch(`${node.api}/v1/kv/${encodeURIComponent(key)}?consistency=${consistency}`, { signal: AbortSignal.timeout(10_000) })
}

export function byPeer (mesh: LocalMesh, peerId: string): MeshProcess {
  const n = mesh.nodes.find(p => p.peerId === peerId)
  if (n === undefined) throw new Error(`no node ${peerId}`)
  return n
}

export function alive (mesh: LocalMesh, except: string[]): MeshProcess[] {
  return mesh.nodes.filter(n => !except.includes(n.peerId))
}
