/**
 * Discovery benchmarks. Run: `npx tsx bench/discovery-dns.ts [rounds]` (default 20 rounds).
 * Prints median / p90 times over loopback, each against a baseline measured in the same run:
 *
 *   dns:      node start → first connection found by DNS (SRV + A lookup, or dnsaddr TXT),
 *             vs node start → connection by a direct dial of the known address (no DNS).
 *   exchange: dial of one member B → connection to member A learnt by peer exchange,
 *             vs the dial of B itself.
 */
import '../src/util/polyfill.js'
import { dnsDiscovery } from '../src/discovery/dns/index.js'
import { peerExchange } from '../src/discovery/peer-exchange/index.js'
import { createTestNode, startDnsServer, tcpPort, waitFor } from '../test/unit/discovery/helpers.js'
import type { Libp2p } from '@libp2p/interface'

const ROUNDS = Number(process.argv[2] ?? 20)

function stats (samples: number[]): { median: number, p90: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return { median: at(0.5), p90: at(0.9) }
}

function report (label: string, samples: number[], baseline?: number[]): void {
  const s = stats(samples)
  const ratio = baseline != null ? `  ×${(s.median / stats(baseline).median).toFixed(2)} of baseline median` : ''
  console.log(`${label.padEnd(44)} median ${s.median.toFixed(1).padStart(6)} ms   p90 ${s.p90.toFixed(1).padStart(6)} ms${ratio}`)
}

async function timeToConnection (node: Libp2p, target: Libp2p, action: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await action()
  await waitFor(() => node.getConnections(target.peerId).length > 0, 10_000, 'connection')
  const ms = performance.now() - t0
  await node.stop()
  return ms
}

async function main (): Promise<void> {
  const dns = await startDnsServer()
  const target = await createTestNode({})
  const name = '_fedmesh._tcp.bench.test'
  const txtName = '_txt._tcp.bench.test'
  dns.zone.srv.set(name, [{ priority: 1, weight: 1, port: tcpPort(target), target: 'target.bench.test' }])
  dns.zone.a.set('target.bench.test', ['127.0.0.1'])
  dns.zone.txt.set(`_dnsaddr.${txtName}`, [`dnsaddr=/ip4/127.0.0.1/tcp/${tcpPort(target)}/p2p/${target.peerId.toString()}`])
  const direct: number[] = []
  const srv: number[] = []
  const txt: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const plain = await createTestNode({}, { start: false })
    direct.push(await timeToConnection(plain, target, async () => { await plain.start(); await plain.dial(target.getMultiaddrs()[0] as never) }))
    const bySrv = await createTestNode({ dns: dnsDiscovery({ name, server: dns.server, txtName: false }) }, { start: false })
    srv.push(await timeToConnection(bySrv, target, async () => bySrv.start()))
    const byTxt = await createTestNode({ dns: dnsDiscovery({ name: txtName, server: dns.server, srv: false }) }, { start: false })
    txt.push(await timeToConnection(byTxt, target, async () => byTxt.start()))
  }
  console.log(`discovery over loopback, ${ROUNDS} rounds (Node ${process.version})`)
  report('baseline: start + direct dial', direct)
  report('dns SRV (+A): start → first connection', srv, direct)
  report('dns TXT dnsaddr: start → first connection', txt, direct)

  const a = await createTestNode({ exchange: peerExchange() })
  const b = await createTestNode({ exchange: peerExchange() })
  await a.dial(b.getMultiaddrs()[0] as never)
  await waitFor(() => b.getConnections(a.peerId).length > 0, 5000, 'A–B')
  const dialB: number[] = []
  const learntA: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const c = await createTestNode({ exchange: peerExchange() })
    const t0 = performance.now()
    await c.dial(b.getMultiaddrs()[0] as never)
    dialB.push(performance.now() - t0)
    await waitFor(() => c.getConnections(a.peerId).length > 0, 10_000, 'C–A')
    learntA.push(performance.now() - t0)
    await c.stop()
  }
  report('baseline: dial of member B', dialB)
  report('exchange: dial B → connected to A', learntA, dialB)
  await Promise.all([a.stop(), b.stop(), target.stop()])
  await dns.close()
}

await main()
