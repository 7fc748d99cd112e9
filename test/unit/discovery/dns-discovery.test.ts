import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { defaultLogger } from '@libp2p/logger'
import { dnsDiscovery } from '../../../src/discovery/dns/index.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import { createTestNode, deadServerAddress, startDnsServer, startSilentServer, tcpPort, waitFor } from './helpers.js'
import type { DnsDiscovery, DnsDiscoveryComponents, DnsPeerInfo } from '../../../src/discovery/dns/index.js'
import type { TestDnsServer } from './helpers.js'
import type { Libp2p } from '@libp2p/interface'

const NAME = '_fedmesh._tcp.mesh.test'
const SRV_TYPE = 33

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }

describe('dnsDiscovery against an in-process DNS server', () => {
  let dns: TestDnsServer
  let first: Libp2p
  let second: Libp2p
  const seekers: Libp2p[] = []

  before(async () => {
    process.on('unhandledRejection', onUnhandled)
    dns = await startDnsServer()
    first = await createTestNode({})
    second = await createTestNode({})
  })

  after(async () => {
    await Promise.all([...seekers, first, second].map(async n => n.stop()))
    await dns.close()
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [], 'no unhandled rejections')
  })

  async function seeker (init: Parameters<typeof dnsDiscovery>[0]): Promise<Libp2p<{ dns: DnsDiscovery }>> {
    const node = await createTestNode({ dns: dnsDiscovery({ random: seededRandom(1), ...init }) })
    seekers.push(node)
    return node as unknown as Libp2p<{ dns: DnsDiscovery }>
  }

  it('discovers two nodes by SRV, dialing and emitting the lower priority value first', async () => {
    dns.zone.srv.set(NAME, [
      { priority: 20, weight: 5, port: tcpPort(second), target: 'second.mesh.test' },
      { priority: 10, weight: 5, port: tcpPort(first), target: 'first.mesh.test' }
    ])
    dns.zone.a.set('first.mesh.test', ['127.0.0.1'])
    dns.zone.a.set('second.mesh.test', ['127.0.0.1'])
    const node = await seeker({ name: NAME, server: dns.server, dialConcurrency: 1, minInterval: 60_000 })
    const emitted: DnsPeerInfo[] = []
    const discovered: string[] = []
    node.services.dns.addEventListener('peer:dns', evt => { emitted.push(evt.detail) })
    node.addEventListener('peer:discovery', evt => { discovered.push(evt.detail.id.toString()) })

    await waitFor(() => node.getConnections(first.peerId).length > 0 && node.getConnections(second.peerId).length > 0, 5000, 'both connections')
    await waitFor(() => emitted.length >= 2, 2000, 'two peer events')
    assert.deepEqual(emitted.map(e => e.id.toString()), [first.peerId.toString(), second.peerId.toString()])
    assert.deepEqual(emitted.map(e => e.target.priority), [10, 20])
    assert.equal(emitted[0]?.discoveredBy, 'dns')
    assert.deepEqual(emitted[0]?.multiaddrs.map(String), [`/ip4/127.0.0.1/tcp/${tcpPort(first)}`])
    await waitFor(() => discovered.includes(first.peerId.toString()) && discovered.includes(second.peerId.toString()), 2000, 'libp2p peer:discovery')
    const stats = node.services.dns.stats
    assert.equal(stats.resolutions, 1)
    assert.equal(stats.peersFound, 2)
    assert.equal(stats.dials, 2)
    assert.equal(stats.dialFailures, 0)
    assert.equal(stats.failures.ENOTFOUND, 1, 'the absent _dnsaddr TXT name is counted')
    await node.stop()
  })

  it('discovers a node from a dnsaddr TXT record with a /p2p/ id and counts a garbage record', async () => {
    const name = '_txt._tcp.mesh.test'
    dns.zone.txt.set(`_dnsaddr.${name}`, [
      `dnsaddr=/ip4/127.0.0.1/tcp/${tcpPort(second)}/p2p/${second.peerId.toString()}`,
      'dnsaddr=/ip4/999.0.0.1/tcp/1',
      'unrelated=text'
    ])
    const node = await seeker({ name, server: dns.server, minInterval: 60_000 })
    const emitted: DnsPeerInfo[] = []
    node.services.dns.addEventListener('peer:dns', evt => { emitted.push(evt.detail) })
    await waitFor(() => node.getConnections(second.peerId).length > 0, 5000, 'connection from dnsaddr')
    assert.equal(emitted[0]?.id.toString(), second.peerId.toString())
    assert.equal(emitted[0]?.target.source, 'txt')
    assert.equal(emitted[0]?.target.peerId, second.peerId.toString())
    const stats = node.services.dns.stats
    assert.equal(stats.invalidRecords, 1)
    assert.equal(stats.resolutions, 1)
    assert.equal(stats.failures.ENOTFOUND, 1, 'no SRV records at that name')
    await node.stop()
  })

  it('counts NXDOMAIN, keeps retrying with backoff, and finds the name once it exists', async () => {
    const name = '_late._tcp.mesh.test'
    const node = await seeker({ name, server: dns.server, txtName: false, minInterval: 20, maxInterval: 100, retry: { baseDelay: 20, maxDelay: 60 } })
    await waitFor(() => node.services.dns.stats.failedResolutions >= 3, 3000, 'three failed rounds')
    const failing = node.services.dns.stats
    assert.ok((failing.failures.ENOTFOUND ?? 0) >= 3)
    assert.equal(failing.resolutions, 0)
    assert.equal(node.status, 'started')
    dns.zone.srv.set(name, [{ priority: 1, weight: 1, port: tcpPort(first), target: '127.0.0.1' }])
    await waitFor(() => node.getConnections(first.peerId).length > 0, 3000, 'connection once the record exists')
    assert.ok(node.services.dns.stats.resolutions >= 1)
    await node.stop()
  })

  it('survives a dead DNS server (refused) and a silent one (timeout), counting both', async () => {
    const dead = await seeker({ name: NAME, server: await deadServerAddress(), minInterval: 20, maxInterval: 100, retry: { baseDelay: 20, maxDelay: 50 } })
    const silent = await startSilentServer()
    const hung = await seeker({ name: NAME, server: silent.server, timeout: 150, tries: 1, minInterval: 20, maxInterval: 100, retry: { baseDelay: 20, maxDelay: 50 } })
    await waitFor(() => dead.services.dns.stats.failedResolutions >= 2, 3000, 'refused rounds')
    await waitFor(() => hung.services.dns.stats.failedResolutions >= 2, 3000, 'timed-out rounds')
    assert.ok((dead.services.dns.stats.failures.ECONNREFUSED ?? 0) >= 4, JSON.stringify(dead.services.dns.stats))
    assert.ok((hung.services.dns.stats.failures.ETIMEOUT ?? 0) >= 4, JSON.stringify(hung.services.dns.stats))
    assert.equal(dead.status, 'started')
    assert.equal(hung.status, 'started')
    const result = await dead.services.dns.resolveNow()
    assert.equal(result.ok, false)
    assert.deepEqual(result.errors, ['ECONNREFUSED', 'ECONNREFUSED'])
    await Promise.all([dead.stop(), hung.stop()])
    await silent.close()
  })

  it('re-resolves within TTL bounds and picks up a record added later', async () => {
    const name = '_grow._tcp.mesh.test'
    dns.zone.srv.set(name, [{ priority: 1, weight: 1, port: tcpPort(first), target: 'first.mesh.test' }])
    const node = await seeker({ name, server: dns.server, txtName: false, minInterval: 50, maxInterval: 150 })
    await waitFor(() => node.getConnections(first.peerId).length > 0, 5000, 'first connection')
    const srvQueriesBefore = dns.queries.filter(q => q.name === name && q.type === SRV_TYPE).length
    dns.zone.srv.set(name, [...dns.zone.srv.get(name) ?? [], { priority: 1, weight: 1, port: tcpPort(second), target: 'second.mesh.test' }])
    await waitFor(() => node.getConnections(second.peerId).length > 0, 3000, 'connection to the added target')
    const srvQueriesAfter = dns.queries.filter(q => q.name === name && q.type === SRV_TYPE).length
    assert.ok(srvQueriesAfter > srvQueriesBefore)
    // The A record TTL is 1 s, so rounds are maxInterval (150 ms) apart; the first target is not dialed again.
    assert.equal(node.services.dns.stats.dials, 2)
    await node.stop()
  })

  it('never dials its own address, and resolveNow honours an aborted signal', async () => {
    const name = '_self._tcp.mesh.test'
    const node = await seeker({ name, server: dns.server, txtName: false, minInterval: 60_000, maxInterval: 60_000 })
    await waitFor(() => node.services.dns.stats.failedResolutions >= 1, 3000, 'first (NXDOMAIN) round')
    dns.zone.srv.set(name, [
      { priority: 1, weight: 1, port: tcpPort(node), target: '127.0.0.1' },
      { priority: 2, weight: 1, port: tcpPort(first), target: '127.0.0.1' }
    ])
    const dialsBefore = node.services.dns.stats.dials
    const result = await node.services.dns.resolveNow()
    assert.equal(result.ok, true)
    assert.equal(result.targets.length, 2)
    assert.deepEqual(result.connected.map(String), [first.peerId.toString()])
    assert.equal(node.services.dns.stats.dials - dialsBefore, 1, 'only the other node is dialed')
    assert.equal(node.getConnections(node.peerId).length, 0)
    await assert.rejects(node.services.dns.resolveNow({ signal: AbortSignal.abort() }), { name: 'AbortError' })
    await node.stop()
  })

  it('stop() cancels the timer and the lookup in flight', async () => {
    const silent = await startSilentServer()
    const node = await seeker({ name: NAME, server: silent.server, timeout: 5000, tries: 1 })
    await new Promise(resolve => setTimeout(resolve, 50))
    const t0 = Date.now()
    await node.services.dns.stop()
    const stopMs = Date.now() - t0
    assert.ok(stopMs < 500, `stop took ${stopMs} ms`)
    const lookups = node.services.dns.stats.lookups
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(node.services.dns.stats.lookups, lookups)
    assert.deepEqual(node.services.dns.stats.failures, {}, 'a cancelled lookup is not a failure')
    await assert.rejects(node.services.dns.resolveNow(), { name: 'DnsDiscoveryStoppedError' })
    await node.stop()
    await silent.close()
  })
})

describe('dnsDiscovery configuration', () => {
  const components = {
    logger: defaultLogger(),
    connectionManager: { openConnection: async () => { throw new Error('unused') }, getConnections: () => [] }
  } as unknown as DnsDiscoveryComponents

  it('rejects unusable init with a named error', () => {
    for (const init of [
      { name: '' },
      { name: NAME, server: 'dns.example.com:53' },
      { name: NAME, minInterval: 10, maxInterval: 5 },
      { name: NAME, timeout: 0 },
      { name: NAME, srv: false, txtName: false as const }
    ]) {
      assert.throws(() => dnsDiscovery(init)(components), { name: 'InvalidDnsDiscoveryConfigError' }, JSON.stringify(init))
    }
    const service = dnsDiscovery({ name: NAME, server: '[::1]:5353' })(components)
    assert.equal(service[Symbol.toStringTag], '@fedmesh/dns-discovery')
  })
})
