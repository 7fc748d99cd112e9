/**
 * A local mesh of five fedmesh processes on loopback, the short way: start them, watch them find
 * each other, stop them. Run: `npx tsx examples/local-mesh.ts` (or `npm run demo` for the live table).
 */
import { LocalMesh } from '../src/node/local-mesh.js'
import type { NodeStatus } from '../src/index.js'

const mesh = await LocalMesh.start({ nodes: 5, onProgress: (m) => { console.log(m) } })
try {
  for (let second = 1; second <= 5; second++) {
    await new Promise(resolve => setTimeout(resolve, 1_000))
    const statuses = await Promise.all(mesh.nodes.map(async n => await (await fetch(`${n.api}/v1/status`)).json() as NodeStatus))
    console.log(`after ${second} s: ` + statuses.map(s => `${s.peerId.slice(-6)} sees ${s.peers.filter(p => p.connected).length}`).join(', '))
  }
} finally {
  await mesh.stop()
  console.log('stopped every node and removed their data')
}
