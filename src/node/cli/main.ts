/**
 * The `fedmesh` command. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error
 * (one line on stderr naming the flag or field and what was expected).
 */
import '../../util/polyfill.js'
import { VERSION } from '../version.js'
import { UsageError } from './args.js'
import { CLIENT_HELP, runClient } from './client.js'

// Commands that load libp2p are imported on use, so that client commands start fast.

const HELP = `fedmesh ${VERSION}: a peer-to-peer federation mesh

Usage: fedmesh <command> [flags]

Commands:
  start     run a node (fedmesh start --help)
  demo      run a local mesh of N node processes with a live status table
  status    show a running node's status
  peers     list the peers a running node knows
  kv        strongly consistent key-value store: put | get | del | list
  data      multi-master replicated data: put | get | del
  raft      cluster membership: remove | transfer
  psk       print a new pre-shared key for a private network (--psk FILE)
  version   print the version

Each command takes --help.`

export async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP)
        return command === undefined ? 2 : 0
      case 'version':
      case '--version':
        console.log(VERSION)
        return 0
      case 'start':
        return await (await import('./start.js')).runStart(rest)
      case 'demo':
        return await (await import('./demo.js')).runDemo(rest)
      case 'psk':
        if (rest.includes('--help') || rest.includes('-h')) { console.log('Usage: fedmesh psk > swarm.key\n\nPrints a new random pre-shared key; give the file to every node with --psk FILE.'); return 0 }
        if (rest.length > 0) throw new UsageError(`psk: takes no arguments, got ${rest.join(' ')}`)
        process.stdout.write((await import('../../discovery/verification.js')).newPreSharedKey() + '\n')
        return 0
      default:
        if (command in CLIENT_HELP) return await runClient(command, rest)
        throw new UsageError(`unknown command "${command}" (see fedmesh --help)`)
    }
  } catch (err) {
    const e = err as Error
    if (e.name === 'UsageError') {
      console.error(`fedmesh: ${e.message}`)
      return 2
    }
    console.error(`fedmesh: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`)
    return 1
  }
}
