import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, parseNodeOptions, DEFAULT_LISTEN } from '../../../src/node/config.js'
import { reachableAddresses } from '../../../src/node/libp2p-options.js'
import { fedmeshBin } from '../../../src/node/local-mesh.js'
import { VERSION } from '../../../src/node/version.js'
import { createVerification, newPreSharedKey, validatePreSharedKey, InvalidPreSharedKeyError } from '../../../src/discovery/verification.js'

function fieldOf (input: unknown): string {
  try {
    parseNodeOptions(input)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    return err.field
  }
  assert.fail('expected a ConfigError')
}

describe('node options', () => {
  it('fills defaults', () => {
    const o = parseNodeOptions({ dataDir: '/tmp/x' })
    assert.deepEqual(o.listen, [DEFAULT_LISTEN])
    assert.equal(o.mdns.enabled, true)
    assert.equal(o.raft.maxVoters, 5)
    assert.equal(o.api, undefined)
    assert.equal(o.gossipPreset, 'small')
  })

  it('names the offending field', () => {
    assert.equal(fieldOf({ listen: ['/ip4/0.0.0.0/tcp/0', 'nope'] }), 'listen[1]')
    assert.equal(fieldOf({ bootstrap: ['/ip4/127.0.0.1/tcp/1'] }), 'bootstrap[0]')
    assert.equal(fieldOf({ allow: ['not-a-peer-id'] }), 'allow[0]')
    assert.equal(fieldOf({ api: 'localhost' }), 'api')
    assert.equal(fieldOf({ api: '127.0.0.1:70000' }), 'api')
    assert.equal(fieldOf({ raft: { expect: 0 } }), 'raft.expect')
    assert.equal(fieldOf({ raft: { expect: 1.5 } }), 'raft.expect')
    assert.equal(fieldOf({ mdns: { tag: '' } }), 'mdns.tag')
    assert.equal(fieldOf({ gossipPreset: 'huge' }), 'gossipPreset')
    assert.equal(fieldOf({ listne: [] }), 'listne')
    assert.equal(fieldOf({ connections: { min: 10, max: 5 } }), 'connections.min')
    assert.equal(fieldOf({ dataDir: 42 }), 'dataDir')
  })

  it('says what form was expected', () => {
    assert.throws(() => parseNodeOptions({ listen: ['nope'] }), /listen\[0\]: expected a multiaddr such as/)
    assert.throws(() => parseNodeOptions({ dataDir: 42 }), /dataDir: expected string/)
  })

  it('parses api addresses including IPv6', () => {
    assert.deepEqual(parseNodeOptions({ api: '127.0.0.1:8080' }).api, { host: '127.0.0.1', port: 8080 })
    assert.deepEqual(parseNodeOptions({ api: '[::1]:0' }).api, { host: '::1', port: 0 })
  })

  it('keeps the version in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(join(dirname(fedmeshBin()), '..', 'package.json'), 'utf8')) as { version: string }
    assert.equal(VERSION, pkg.version)
  })
})

describe('announced addresses', () => {
  it('drop loopback unless there is nothing else', () => {
    assert.deepEqual(reachableAddresses(['/ip4/127.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/1']), ['/ip4/10.0.0.2/tcp/1'])
    assert.deepEqual(reachableAddresses(['/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/1']), ['/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/1'])
  })
})

describe('verification', () => {
  it('accepts the keys fedmesh psk prints and refuses malformed ones', () => {
    validatePreSharedKey(new TextEncoder().encode(newPreSharedKey()))
    assert.throws(() => validatePreSharedKey(new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nabc')), InvalidPreSharedKeyError)
    assert.throws(() => validatePreSharedKey(new TextEncoder().encode('garbage')), /first line/)
  })

  it('allows everyone without an allowlist and only the listed peers with one', () => {
    assert.equal(createVerification({}).isAllowed('12D3KooWAny'), true)
    assert.equal(createVerification({}).configured, false)
    const v = createVerification({ allow: ['12D3KooWA'] })
    assert.equal(v.configured, true)
    assert.equal(v.isAllowed('12D3KooWA'), true)
    assert.equal(v.isAllowed('12D3KooWB'), false)
  })
})

describe('replication options', () => {
  it('accepts resolvers by name, custom functions and keyspaces', () => {
    const merge = (a: unknown, b: unknown): unknown => b ?? a
    const o = parseNodeOptions({ replication: { resolvers: { default: 'lww', prefixes: { 'carts/': 'merge-union', 'ids/': merge, 'tags/': { kind: 'keep-siblings', max: 4 } } }, keyspaces: ['carts'] } })
    assert.equal(o.replication.resolvers?.prefixes?.['carts/'], 'merge-union')
    assert.equal(o.replication.resolvers?.prefixes?.['ids/'], merge)
    assert.deepEqual(o.replication.keyspaces, ['carts'])
    assert.deepEqual(parseNodeOptions({}).replication, {})
  })

  it('names a bad resolver or keyspace', () => {
    assert.equal(fieldOf({ replication: { resolvers: { default: 'newest' } } }), 'replication.resolvers.default')
    assert.equal(fieldOf({ replication: { keyspaces: ['a/b'] } }), 'replication.keyspaces[0]')
  })
})

describe('partition options', () => {
  it('default to merge and keep serving local writes', () => {
    assert.deepEqual(parseNodeOptions({}).partition, { strategy: 'merge', serveLocalWhilePartitioned: true })
    assert.deepEqual(parseNodeOptions({ partition: { strategy: 'manual', serveLocalWhilePartitioned: false } }).partition, { strategy: 'manual', serveLocalWhilePartitioned: false })
    assert.equal(fieldOf({ partition: { strategy: 'panic' } }), 'partition.strategy')
  })
})
