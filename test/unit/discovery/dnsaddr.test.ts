import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { isIPv6, parseDnsaddrRecords, validateMultiaddrText } from '../../../src/discovery/core/dnsaddr.js'

const PEER = '12D3KooWGRUVh2TtDW6bxGzjxmwvFfv2HRMd6WMnYoGQ5kQJmmDC'
const RSA_PEER = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'

describe('parseDnsaddrRecords', () => {
  it('extracts multiaddrs from dnsaddr= records, joining character-strings and ignoring other TXT records', () => {
    const result = parseDnsaddrRecords([
      [`dnsaddr=/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`],
      ['dnsaddr=/ip6/::1/tcp/', '4002'],
      ['v=spf1 -all'],
      `dnsaddr=/dns4/node-3.example.com/tcp/4003/p2p/${RSA_PEER}`,
      [`dnsaddr=/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`]
    ])
    assert.deepEqual(result.addrs, [
      `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
      '/ip6/::1/tcp/4002',
      `/dns4/node-3.example.com/tcp/4003/p2p/${RSA_PEER}`
    ])
    assert.equal(result.ignored, 1)
    assert.deepEqual(result.rejected, [])
  })

  it('rejects garbage with a reason instead of throwing', () => {
    const cases: Array<[string, string]> = [
      ['dnsaddr=', 'empty'],
      ['dnsaddr=ip4/1.2.3.4/tcp/1', 'not-absolute'],
      ['dnsaddr=/ip4/1.2.3.256/tcp/1', 'invalid-value'],
      ['dnsaddr=/ip4/01.2.3.4/tcp/1', 'invalid-value'],
      ['dnsaddr=/ip4/1.2.3.4/tcp/65536', 'invalid-value'],
      ['dnsaddr=/ip4/1.2.3.4/tcp', 'missing-value'],
      ['dnsaddr=/ip4/1.2.3.4/sctp/5', 'unknown-protocol'],
      ['dnsaddr=/tcp/4001', 'no-address'],
      ['dnsaddr=/hello/world', 'unknown-protocol'],
      ['dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/not-a-peer-id!', 'invalid-value'],
      [`dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/${PEER}/p2p/${PEER}`, 'duplicate-peer-id'],
      ['dnsaddr=/ip6/1::2::3/tcp/1', 'invalid-value'],
      ['dnsaddr=/dns4/bad..name/tcp/1', 'invalid-value'],
      [`dnsaddr=/ip4/1.2.3.4/tcp/1/${'x'.repeat(1100)}`, 'too-long']
    ]
    const result = parseDnsaddrRecords(cases.map(([record]) => record))
    assert.equal(result.addrs.length, 0)
    assert.deepEqual(result.rejected.map(r => r.reason), cases.map(([, reason]) => reason))
  })

  it('never throws and only accepts what validateMultiaddrText accepts, for arbitrary input', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string().map(s => `dnsaddr=${s}`), fc.array(fc.string()))), records => {
      const result = parseDnsaddrRecords(records)
      for (const addr of result.addrs) assert.equal(validateMultiaddrText(addr), null)
      assert.ok(result.addrs.length + result.rejected.length + result.ignored <= records.length)
    }))
  })

  it('validates IPv6 text forms', () => {
    for (const ok of ['::', '::1', 'fe80::1', '2001:db8:0:0:0:0:2:1', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8']) assert.ok(isIPv6(ok), ok)
    for (const bad of ['', ':::', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1::2::3', '::ffff:300.1.1.1', 'fe80::1%eth0']) assert.ok(!isIPv6(bad), bad)
  })
})
