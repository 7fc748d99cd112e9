/**
 * `fedmesh start`: runs one node until SIGINT/SIGTERM, then stops it gracefully and exits 0.
 * With `--json`, prints one line `{"event":"ready",...}` once started (for scripts and tests).
 */
import { createFederationNode } from '../create-node.js'
import { ConfigError } from '../config.js'
import { parse, START_FLAGS, startOptions, usageErrorFor } from './args.js'
import type { FederationNode } from '../federation-node.js'

export const START_HELP = `Usage: fedmesh start [flags]

Runs a federation node until SIGINT or SIGTERM.

Flags (each may also come from --config FILE.json as camelCase; flags win):
  --config FILE.json        read options from a JSON file
  --data-dir DIR            identity, peerstore and state (default: $XDG_DATA_HOME/fedmesh or ~/.local/share/fedmesh)
  --listen MULTIADDR        listen address, repeatable (default: /ip4/0.0.0.0/tcp/0)
  --api HOST:PORT           serve the HTTP client API (off unless given; use a loopback host)
  --bootstrap MULTIADDR     peer to dial at start and redial when lost, repeatable (with /p2p/<peer id>)
  --no-mdns                 turn off mDNS discovery on the local network
  --mdns-tag NAME           mDNS service tag; meshes with different tags ignore each other (default: fedmesh)
  --dns-srv NAME            discover peers from DNS SRV/TXT records, e.g. _fedmesh._tcp.example.com
  --dns-server HOST:PORT    DNS server to ask instead of the system's
  --psk FILE                private network: only peers with this pre-shared key connect (see fedmesh psk)
  --allow PEERID            only these peers may connect, repeatable
  --raft-expect N           bootstrap a Raft cluster once N verified peers (this node included) are present
  --raft-max-voters N       most Raft voters; further nodes join as learners (default: 5)
  --gossip-preset NAME      small (3-5 nodes, default) or large (100+)
  --json                    print a JSON "ready" line once started

Exit codes: 0 stopped by signal, 1 runtime failure, 2 usage or configuration error.`

export async function runStart (argv: string[]): Promise<number> {
  const { values } = parse(argv, START_FLAGS)
  if (values.help === true) { console.log(START_HELP); return 0 }
  let node: FederationNode
  try {
    node = await createFederationNode(startOptions(values))
  } catch (err) {
    if (err instanceof ConfigError) throw usageErrorFor(err)
    throw err
  }
  await node.start()
  announce(node, values.json === true)
  return await new Promise<number>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      if (values.json !== true) console.error(`fedmesh: ${signal}, stopping`)
      node.stop().then(() => { resolve(0) }, (err) => {
        console.error(`fedmesh: stop failed: ${(err as Error).message}`)
        resolve(1)
      })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}

function announce (node: FederationNode, json: boolean): void {
  const api = node.api?.address()
  const apiUrl = api == null ? null : `http://${api.host.includes(':') ? `[${api.host}]` : api.host}:${api.port}`
  if (json) {
    console.log(JSON.stringify({ event: 'ready', peerId: node.peerId.toString(), addresses: node.addresses(), api: apiUrl, dataDir: node.options.dataDir, pid: process.pid }))
    return
  }
  console.log(`fedmesh node ${node.peerId.toString()}`)
  for (const a of node.addresses()) console.log(`  listening ${a}`)
  if (apiUrl != null) console.log(`  api       ${apiUrl}`)
  console.log(`  data dir  ${node.options.dataDir}`)
  console.log('ready; Ctrl-C stops')
}
