/**
 * Embedding a fedmesh node in an app: two nodes in one process, the second bootstrapping from the
 * first; each logs its peers. Run: `npx tsx examples/embed.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFederationNode } from '../src/index.js'

const dir = await mkdtemp(join(tmpdir(), 'fedmesh-embed-'))
const first = await createFederationNode({ dataDir: join(dir, 'a'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
await first.start()

const second = await createFederationNode({
  dataDir: join(dir, 'b'),
  listen: ['/ip4/127.0.0.1/tcp/0'],
  mdns: false,
  bootstrap: first.addresses()
})
const connected = new Promise<void>((resolve) => {
  second.addEventListener('peer:connect', (evt) => {
    console.log(`second node connected to ${evt.detail.toString()}`)
    resolve()
  }, { once: true })
})
await second.start()
await connected

console.log('first node status:', JSON.stringify(first.status(), null, 2))
await second.stop()
await first.stop()
await rm(dir, { recursive: true, force: true })
