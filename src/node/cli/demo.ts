/**
 * `fedmesh demo`: a local mesh of N node processes on loopback with a live status table, until
 * Ctrl-C or `--duration`; then every process is stopped and every temporary file removed.
 */
import { LocalMesh } from '../local-mesh.js'
import { parse, UsageError } from './args.js'
import { table } from './client.js'
import type { NodeStatus } from '../federation-node.js'

export const DEMO_HELP = `Usage: fedmesh demo [--nodes N] [--duration SECONDS]

Starts N fedmesh nodes (default 5) as separate processes on loopback, with ephemeral ports and
temporary data dirs, connected through bootstrap; shows a live status table until Ctrl-C (or for
--duration seconds), then stops every process and removes what it created.`

interface Row { status?: NodeStatus, error?: string }

async function fetchStatus (api: string): Promise<Row> {
  try {
    const res = await fetch(`${api}/v1/status`, { signal: AbortSignal.timeout(2_000) })
    return { status: await res.json() as NodeStatus }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

function render (mesh: LocalMesh, rows: Row[], elapsed: number): string {
  const out = [['NODE', 'PEER ID', 'PEERS', 'RAFT ROLE', 'TERM', 'COMMIT', 'DATA KEYS', 'API']]
  mesh.nodes.forEach((n, i) => {
    const s = rows[i]?.status
    const raft = s?.raft as { role?: string, term?: number, commitIndex?: number } | null | undefined
    const data = s?.replication as { keys?: number } | undefined
    out.push([
      String(n.index + 1),
      n.peerId,
      s == null ? 'down' : String(s.peers.filter(p => p.connected).length),
      raft?.role ?? '-',
      raft?.term == null ? '-' : String(raft.term),
      raft?.commitIndex == null ? '-' : String(raft.commitIndex),
      data?.keys == null ? '-' : String(data.keys),
      n.api
    ])
  })
  return `fedmesh demo: ${mesh.nodes.length} nodes, ${elapsed.toFixed(0)} s (Ctrl-C stops)\n\n${table(out)}\n`
}

export async function runDemo (argv: string[]): Promise<number> {
  const { values } = parse(argv, { nodes: { type: 'string' }, duration: { type: 'string' } })
  if (values.help === true) { console.log(DEMO_HELP); return 0 }
  const nodes = Number(values.nodes ?? 5)
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50) throw new UsageError(`--nodes: expected a whole number from 1 to 50, got ${JSON.stringify(values.nodes)}`)
  const duration = values.duration == null ? Infinity : Number(values.duration)
  if (!(duration > 0)) throw new UsageError(`--duration: expected a number of seconds above 0, got ${JSON.stringify(values.duration)}`)
  const tty = process.stdout.isTTY === true
  console.log(`fedmesh demo: starting ${nodes} nodes on loopback`)
  const mesh = await LocalMesh.start({
    nodes,
    args: () => nodes >= 3 ? ['--raft-expect', String(Math.min(nodes, 3))] : [],
    onProgress: (m) => { console.log(`  ${m}`) }
  })
  let stopping = false
  const stop = new Promise<void>((resolve) => {
    const onSignal = (): void => { if (!stopping) { stopping = true; resolve() } }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    if (Number.isFinite(duration)) setTimeout(onSignal, duration * 1000).unref()
  })
  const started = Date.now()
  let lastPrinted = 0
  while (!stopping) {
    const rows = await Promise.all(mesh.nodes.map(async n => fetchStatus(n.api)))
    const elapsed = (Date.now() - started) / 1000
    if (tty) process.stdout.write(`\x1b[2J\x1b[H${render(mesh, rows, elapsed)}`)
    else if (Date.now() - lastPrinted >= 5_000) { console.log(render(mesh, rows, elapsed)); lastPrinted = Date.now() }
    await Promise.race([stop, new Promise(resolve => setTimeout(resolve, 1_000))])
  }
  const rows = await Promise.all(mesh.nodes.map(async n => fetchStatus(n.api)))
  console.log(render(mesh, rows, (Date.now() - started) / 1000))
  console.log('fedmesh demo: stopping every node and removing temporary data')
  await mesh.stop()
  console.log('fedmesh demo: done')
  return 0
}
