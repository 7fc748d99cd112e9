import '../../../src/util/polyfill.js'
import { createSocket } from 'node:dgram'
import { identify } from '@libp2p/identify'
import dns2 from 'dns2'
import { loopbackNode } from '../../helpers/loopback-node.js'
import type { ServiceFactories } from '../../helpers/loopback-node.js'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

/** A real libp2p node on loopback TCP with Noise, yamux and identify, plus the given services. */
export async function createTestNode<T extends ServiceMap> (services: ServiceFactories<T>, extra: Partial<Libp2pOptions<T & { identify: unknown }>> = {}): Promise<Libp2p<T & { identify: unknown }>> {
  return await loopbackNode<T & { identify: unknown }>({ identify: identify(), ...services } as unknown as ServiceFactories<T & { identify: unknown }>, extra)
}

export function tcpPort (node: Libp2p): number {
  const addr = node.getMultiaddrs().find(a => a.toString().startsWith('/ip4/127.0.0.1/tcp/'))
  if (addr == null) throw new Error('node has no loopback TCP address')
  return Number(addr.toString().split('/')[4])
}

/** Resolves when `check` holds (polled), rejects after `ms`. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

export interface SrvAnswer { priority: number, weight: number, port: number, target: string }

/** The records served by a `TestDnsServer`; mutate it at any time to change the answers. */
export interface Zone {
  srv: Map<string, SrvAnswer[]>
  txt: Map<string, string[]>
  a: Map<string, string[]>
  ttl: number
}

export interface TestDnsServer {
  zone: Zone
  server: string
  queries: Array<{ name: string, type: number }>
  close(): Promise<void>
}

/** An in-process authoritative DNS server on a loopback UDP port (NXDOMAIN for unknown names). */
export async function startDnsServer (): Promise<TestDnsServer> {
  const { Packet } = dns2
  const zone: Zone = { srv: new Map(), txt: new Map(), a: new Map(), ttl: 1 }
  const queries: TestDnsServer['queries'] = []
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request)
      const question = request.questions[0]
      if (question == null) { send(response); return }
      const { name, type } = question as { name: string, type: number }
      queries.push({ name, type })
      const known = zone.srv.has(name) || zone.txt.has(name) || zone.a.has(name)
      if (!known) {
        response.header.rcode = 3 // NXDOMAIN
      } else if (type === Packet.TYPE.SRV) {
        for (const r of zone.srv.get(name) ?? []) {
          response.answers.push({ name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: zone.ttl, ...r } as never)
        }
      } else if (type === Packet.TYPE.TXT) {
        for (const data of zone.txt.get(name) ?? []) {
          response.answers.push({ name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: zone.ttl, data } as never)
        }
      } else if (type === Packet.TYPE.A) {
        for (const address of zone.a.get(name) ?? []) {
          response.answers.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: zone.ttl, address } as never)
        }
      }
      send(response)
    }
  })
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } })
  const port = (addresses as unknown as { udp: { port: number } }).udp.port
  return { zone, queries, server: `127.0.0.1:${port}`, close: async () => { await server.close() } }
}

/** A loopback UDP port that receives queries and never answers (a hung DNS server). */
export async function startSilentServer (): Promise<{ server: string, close(): Promise<void> }> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  socket.on('message', () => {})
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: async () => new Promise<void>(resolve => socket.close(() => { resolve() }))
  }
}

/** A loopback UDP port with nothing listening (queries are refused by the kernel). */
export async function deadServerAddress (): Promise<string> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  await new Promise<void>(resolve => socket.close(() => { resolve() }))
  return `127.0.0.1:${port}`
}
