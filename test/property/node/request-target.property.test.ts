import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { splitTarget } from '../../../src/node/http-api.js'

/** What the router saw before the fast path: WHATWG URL parsing, then percent-decoding. */
function viaUrl (target: string): { path: string | Error, query: string[][] } {
  const url = new URL(`http://localhost${target}`)
  return { path: decode(url.pathname), query: [...url.searchParams] }
}

function viaSplit (target: string): { path: string | Error, query: string[][] } {
  const { pathname, search } = splitTarget(target)
  return { path: decode(pathname), query: [...new URLSearchParams(search)] }
}

function decode (s: string): string | Error {
  try { return decodeURIComponent(s) } catch { return new Error('malformed') }
}

// Pieces that URL parsing treats specially, mixed with plain text.
const piece = fc.constantFrom('/', '//', '.', '..', '%2e', '%2E', '%2F', '%20', '%', '%zz', '\\', '?', '#', '&', '=', '"', '<', '>', '`', '{', '}', '^', '|', ' ', '\t', 'é', '☃', 'a', 'kv', 'v1', '-', '_', '~', '+')
const target = fc.array(piece, { maxLength: 12 }).map(parts => '/' + parts.join(''))

describe('request target split', () => {
  it('decodes to the same path and query as WHATWG URL parsing, for any target', () => {
    fc.assert(fc.property(target, (t) => {
      assert.deepEqual(viaSplit(t), viaUrl(t))
    }), { numRuns: 5_000 })
  })

  it('keeps the plain path of a key as it is', () => {
    assert.deepEqual(splitTarget('/v1/kv/load/3/17?watch=1'), { pathname: '/v1/kv/load/3/17', search: '?watch=1' })
    assert.deepEqual(splitTarget('/v1/kv/a/../b'), { pathname: '/v1/kv/b', search: '' })
    assert.deepEqual(splitTarget('//v1/kv'), { pathname: '//v1/kv', search: '' })
    assert.deepEqual(splitTarget('http://node.example/v1/kv/x?a=1'), { pathname: '/v1/kv/x', search: '?a=1' })
  })
})
