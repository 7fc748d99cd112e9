import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiError, HttpApi } from '../../../src/node/http-api.js'
import type { Logger } from '@libp2p/interface'

const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => log }) as unknown as Logger

describe('HttpApi router', () => {
  const api = new HttpApi({ host: '127.0.0.1', port: 0, log, maxBodyBytes: 1024 })
  let base = ''
  before(async () => {
    api.route('GET', '/v1/kv/{key*}', (req) => ({ body: { key: req.params.key, q: req.query.get('consistency') } }))
    api.route('PUT', '/v1/kv/{key*}', async (req) => ({ body: { bytes: (await req.body()).length } }))
    api.route('POST', '/v1/json', async (req) => ({ body: await req.json() }))
    api.route('GET', '/v1/conflict', () => { throw new ApiError('LockHeld', 409, 'held') })
    api.route('GET', '/v1/crash', () => { throw new Error('secret internals') })
    await api.start()
    base = `http://127.0.0.1:${api.address().port}`
  })
  after(async () => { await api.stop() })

  it('captures the rest of the path, decoded', async () => {
    const r = await fetch(`${base}/v1/kv/a/b%20c?consistency=serializable`)
    assert.deepEqual(await r.json(), { key: 'a/b c', q: 'serializable' })
  })

  it('reads bodies up to the limit and refuses larger ones with 413', async () => {
    assert.deepEqual(await (await fetch(`${base}/v1/kv/x`, { method: 'PUT', body: new Uint8Array(1024) })).json(), { bytes: 1024 })
    const big = await fetch(`${base}/v1/kv/x`, { method: 'PUT', body: new Uint8Array(1025) })
    assert.equal(big.status, 413)
    assert.equal((await big.json() as { error: string }).error, 'BodyTooLarge')
  })

  it('refuses a chunked body over the limit while reading it', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start (c) { for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(512)); c.close() }
    })
    const r = await fetch(`${base}/v1/kv/x`, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit)
    assert.equal(r.status, 413)
  })

  it('answers malformed JSON with 400', async () => {
    const r = await fetch(`${base}/v1/json`, { method: 'POST', body: '{nope' })
    assert.equal(r.status, 400)
    assert.equal((await r.json() as { error: string }).error, 'MalformedRequest')
    assert.deepEqual(await (await fetch(`${base}/v1/json`, { method: 'POST', body: '{"a":[1]}' })).json(), { a: [1] })
  })

  it('keeps the name and status of API errors and hides internal ones', async () => {
    const c = await fetch(`${base}/v1/conflict`)
    assert.equal(c.status, 409)
    assert.deepEqual(await c.json(), { error: 'LockHeld', message: 'held' })
    const e = await fetch(`${base}/v1/crash`)
    assert.equal(e.status, 500)
    const body = await e.json() as { error: string, message: string }
    assert.equal(body.error, 'InternalError')
    assert.ok(!body.message.includes('secret'))
  })

  it('gives 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404)
    const r = await fetch(`${base}/v1/json`)
    assert.equal(r.status, 405)
    assert.equal(r.headers.get('allow'), 'POST')
  })
})
