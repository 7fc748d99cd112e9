/**
 * A deterministic simulator of a Raft cluster built from RaftCore: one seed decides everything.
 *
 * - N nodes (3 or 5), each a RaftCore driven by the contract of src/consensus/core/index.ts with a
 *   memory "disk" whose writes complete after a short latency (the core keeps running meanwhile)
 *   and a KvStateMachine;
 * - a network that delays (so reorders), drops, duplicates and partitions messages;
 * - crashes that lose everything not yet written to disk, and restarts from the disk;
 * - membership changes during the run (learner add + promote, voter add, voter remove);
 * - clients issuing put / get / cas / delete with timeouts; gets use ReadIndex.
 *
 * Safety is checked while running and at the end: election safety, log matching, leader
 * completeness, state-machine safety, replica digests, and linearizability of the client history.
 */
import {
  NotLeaderError, ProposalDroppedError, RaftCore, InvalidConfChangeError
} from '../../../src/consensus/core/index.js'
import type { ConfChange, Entry, HardState, Message, Ready, Snapshot } from '../../../src/consensus/core/index.js'
import { KvStateMachine, decodeKvCommand, encodeKvCommand } from '../../../src/consensus/kv/core/kv-state-machine.js'
import type { KvCommand, KvResult } from '../../../src/consensus/kv/core/kv-state-machine.js'
import { isTaggedBy, readProposalTag, tagProposal } from '../../../src/consensus/raft-service/forwarded-proposals.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import type { Random } from '../../../src/util/pure/random.js'
import { checkLinearizable } from '../../helpers/linearizability/checker.js'
import { kvModel } from '../../helpers/linearizability/kv-model.js'
import type { KvInput, KvOperation, KvOutput } from '../../helpers/linearizability/kv-model.js'
import { EventQueue } from './event-queue.js'

export interface SimOptions {
  /** Simulated ms of faults and client load. Default 2000. */
  durationMs?: number
  /** Simulated ms of calm at the end (network healed, nodes restarted). Default 1000. */
  quietMs?: number
  /** Number of clients. Default 3. */
  clients?: number
  /** Print a trace of the run. */
  verbose?: boolean
  /** Time budget for the linearizability check. Default 5000 ms. */
  checkTimeoutMs?: number
  log?: (line: string) => void
  /**
   * Fault injection for testing the checks themselves: serve gets from the local state machine
   * without ReadIndex (stale reads). Never set in a real run.
   */
  unsafeLocalReads?: boolean
  /** 'mixed' (default): each seed draws its own fault mix. 'churn': 3 nodes, small batches, frequent leader crashes. */
  profile?: 'mixed' | 'churn'
}

export interface SimResult {
  seed: number
  violations: string[]
  /** Client operations issued, completed with a known outcome, and with an unknown outcome. */
  ops: number
  opsOk: number
  opsUnknown: number
  linearizable: true | false | 'unknown'
  /** Liveness: whether a client operation completed during the quiet period. */
  progressedWhenQuiet: boolean
  stats: Record<string, number>
}

interface Disk {
  hardState: HardState
  snapshot?: Snapshot
  entries: Entry[]
}

interface PendingProposal {
  term: number
  done: (result: KvResult | 'lost') => void
}

interface SimNode {
  id: string
  up: boolean
  epoch: number
  core: RaftCore
  kv: KvStateMachine
  disk: Disk
  busy: boolean
  /** A deferred commit notice is scheduled (commitNotice 'deferred'). */
  noticeDue: boolean
  proposals: Map<number, PendingProposal[]>
  /** Writes this node (a follower) handed to the leader, by tag sequence; answered when this node applies them. */
  forwarded: Map<number, (result: KvResult) => void>
  /** The tag id of this node's current run (new after each restart). */
  instance: Uint8Array
  forwardSeq: number
  reads: Map<string, (index: number) => void>
  waitingReads: Array<{ index: number, run: () => void }>
}

const TICK_MS = 10
const ELECTION_TICKS = 10
const enc = new TextEncoder()
const dec = new TextDecoder()

export function runSimulation (seed: number, options: SimOptions = {}): SimResult {
  const durationMs = options.durationMs ?? 2000
  const quietMs = options.quietMs ?? 1000
  const endMs = durationMs + quietMs
  const rng = seededRandom(seed)
  const netRng = rng.fork()
  const faultRng = rng.fork()
  const clientRng = rng.fork()
  const coreRng = rng.fork()
  const diskRng = rng.fork()
  const log = options.verbose === true ? (options.log ?? ((s: string) => { console.log(s) })) : undefined
  const q = new EventQueue()
  const trace = (s: string): void => { if (log !== undefined) log(`${String(q.now).padStart(5)} ${s}`) }

  const violations: string[] = []
  const violation = (s: string): void => {
    if (violations.length < 20) violations.push(s)
    trace(`VIOLATION ${s}`)
  }
  const stats: Record<string, number> = {
    messages: 0, dropped: 0, duplicated: 0, crashes: 0, partitions: 0, confChanges: 0, transfers: 0, snapshotsSent: 0, compactions: 0, leaders: 0,
    forwardedProposals: 0
  }
  let instances = 0
  /** A fresh 8-byte tag id for a node's run. */
  const newInstance = (): Uint8Array => {
    const id = new Uint8Array(8)
    new DataView(id.buffer).setUint32(4, ++instances)
    return id
  }

  // ------------------------------------------------------------ cluster configuration
  // Every seed draws its own fault mix; the 'churn' profile fixes the mix that stresses leader
  // changes with half-replicated logs (small batches, leaders crashing soon after election).
  const churn = options.profile === 'churn'
  const initialCount = churn ? 3 : rng.chance(0.5) ? 3 : 5
  const initial = Array.from({ length: initialCount }, (_, i) => `n${i + 1}`)
  let nextId = initialCount + 1
  const dropRate = rng.pick(churn ? [0.02] : [0, 0.01, 0.05, 0.1])
  const dupRate = rng.pick(churn ? [0.02] : [0, 0.02, 0.05])
  const maxDelay = rng.pick(churn ? [5, 15] : [2, 10, 25, 60])
  const crashRate = rng.pick(churn ? [0.3] : [0, 0.1, 0.2, 0.4]) // per 100 ms
  const partitionRate = rng.pick(churn ? [0.05] : [0, 0.1, 0.2, 0.4]) // per 100 ms
  const confRate = rng.pick(churn ? [0] : [0, 0.1, 0.3]) // per 100 ms
  const transferRate = rng.pick(churn ? [0] : [0, 0.05, 0.2]) // per 100 ms
  const churnRate = rng.pick(churn ? [0.7] : [0, 0.3, 0.6]) // per new leader
  const snapshotThreshold = rng.pick(churn ? [1000] : [8, 25, 1000])
  const maxEntriesPerMsg = rng.pick(churn ? [1] : [1, 4, 64])
  const maxInflightMsgs = rng.pick(churn ? [1, 4] : [1, 4, 256])
  const preVote = rng.chance(0.75)
  const checkQuorum = rng.chance(0.75)
  /** Clock drift: each node ticks at its own pace within this spread around TICK_MS. */
  const drift = rng.pick([0, 0.2, 0.4])
  /** Deferred: followers learn a new commit index from the next append or heartbeat, or from a notice 1–3 ms later. */
  const commitNotice = rng.pick(['immediate', 'deferred'] as const)
  const noticeRng = rng.fork()
  trace(`seed ${seed}: ${initialCount} nodes, drop ${dropRate}, dup ${dupRate}, delay <= ${maxDelay}, crash ${crashRate}, partition ${partitionRate}, conf ${confRate}, transfer ${transferRate}, churn ${churnRate}, snapshot every ${snapshotThreshold}, batch ${maxEntriesPerMsg}, inflight ${maxInflightMsgs}, preVote ${preVote}, checkQuorum ${checkQuorum}, drift ${drift}, commit notices ${commitNotice}`)

  const nodes = new Map<string, SimNode>()
  const makeCore = (id: string, peers: string[], disk?: Disk): RaftCore => new RaftCore({
    id,
    peers,
    electionTicks: ELECTION_TICKS,
    heartbeatTicks: 1,
    random: coreRng.fork(),
    maxEntriesPerMsg,
    maxInflightMsgs,
    snapshotThreshold,
    preVote,
    checkQuorum,
    commitNotice
  }, disk === undefined ? undefined : { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries.slice() })

  const startNode = (id: string, peers: string[]): SimNode => {
    const n: SimNode = {
      id,
      up: true,
      epoch: 0,
      core: makeCore(id, peers),
      kv: new KvStateMachine(),
      disk: { hardState: { term: 0, vote: '', commit: 0 }, entries: [] },
      busy: false,
      noticeDue: false,
      proposals: new Map(),
      forwarded: new Map(),
      instance: newInstance(),
      forwardSeq: 0,
      reads: new Map(),
      waitingReads: []
    }
    nodes.set(id, n)
    scheduleTicks(n)
    kick(n)
    return n
  }

  // ------------------------------------------------------------ safety bookkeeping
  const leaderOfTerm = new Map<number, string>()
  /** Every entry some node applied: index -> entry (committed entries are unique per index). */
  const committed = new Map<number, Entry>()

  const observeLeader = (n: SimNode): void => {
    const s = n.core.status()
    if (s.role !== 'leader') return
    const prev = leaderOfTerm.get(s.term)
    if (prev === undefined) {
      leaderOfTerm.set(s.term, n.id)
      stats.leaders++
      trace(`${n.id} leader of term ${s.term}`)
      // Leader churn: crash some new leaders before their first entries are fully replicated.
      if (q.now < durationMs && faultRng.chance(churnRate)) {
        const epoch = n.epoch
        q.after(faultRng.int(1, 30), () => {
          const down = [...nodes.values()].filter((x) => !x.up).length
          if (n.epoch !== epoch || !n.up || down >= Math.floor(initialCount / 2) || q.now >= durationMs) return
          crash(n)
          q.after(faultRng.int(20, 200), () => { if (q.now < durationMs) restart(n) })
        })
      }
      // Leader completeness: every entry applied anywhere so far is in the new leader's log.
      for (const [index, e] of committed) {
        if (index <= s.snapshotIndex) continue
        const t = n.core.termAt(index)
        if (t !== e.term) violation(`leader completeness: ${n.id} (term ${s.term}) has term ${t} at committed index ${index} (term ${e.term})`)
      }
    } else if (prev !== n.id) {
      violation(`election safety: ${prev} and ${n.id} both leaders of term ${s.term}`)
    }
  }

  const recordApplied = (n: SimNode, e: Entry): void => {
    const prev = committed.get(e.index)
    if (prev === undefined) committed.set(e.index, e)
    else if (prev.term !== e.term || !bytesEqual(prev.data, e.data)) {
      violation(`state machine safety: ${n.id} applied (${e.index}, term ${e.term}) but another node applied term ${prev.term} there`)
    }
  }

  // ------------------------------------------------------------ driver loop
  function kick (n: SimNode): void {
    if (!n.up || n.busy || !n.core.hasReady()) return
    const rd = n.core.ready()
    if (rd.softState !== undefined) {
      if (log !== undefined) trace(`${n.id} is ${rd.softState.role} (leader ${rd.softState.leader || '-'}) term ${rd.hardState?.term ?? n.core.status().term}`)
      observeLeader(n)
    }
    n.busy = true
    const epoch = n.epoch
    // A leader's messages leave at once, racing its disk (a crash before the write loses the entries it sent).
    if (rd.sendBeforePersist) for (const m of rd.messages) send(m)
    q.after(diskRng.int(0, 2), () => { if (n.epoch === epoch) persisted(n, rd) })
  }

  function persisted (n: SimNode, rd: Ready): void {
    const disk = n.disk
    if (rd.snapshot !== undefined) {
      disk.snapshot = rd.snapshot
      disk.entries = []
    }
    if (rd.entries.length > 0) {
      const first = (rd.entries[0] as Entry).index
      let keep = disk.entries.length
      while (keep > 0 && (disk.entries[keep - 1] as Entry).index >= first) keep--
      disk.entries = disk.entries.slice(0, keep).concat(rd.entries)
    }
    if (rd.hardState !== undefined) disk.hardState = rd.hardState
    if (!rd.sendBeforePersist) for (const m of rd.messages) send(m)
    if (rd.snapshot !== undefined) {
      n.kv = KvStateMachine.restore(rd.snapshot.data)
      for (const index of [...n.proposals.keys()]) if (index <= rd.snapshot.metadata.index) n.proposals.delete(index)
      trace(`${n.id} restored snapshot at ${rd.snapshot.metadata.index}`)
    }
    for (const e of rd.committedEntries) applyEntry(n, e)
    for (const rs of rd.readStates) {
      const key = dec.decode(rs.context)
      const cb = n.reads.get(key)
      if (cb !== undefined) { n.reads.delete(key); cb(rs.index) }
    }
    flushReads(n)
    n.core.advance(rd)
    if (rd.snapshotRequest !== undefined) {
      const index = n.kv.appliedIndex
      const snap = n.core.compact(index, n.kv.snapshot())
      if (snap !== undefined) {
        disk.snapshot = snap
        disk.entries = disk.entries.filter((e) => e.index > index)
        stats.compactions++
      }
    }
    n.busy = false
    scheduleCommitNotices(n)
    kick(n)
  }

  function scheduleCommitNotices (n: SimNode): void {
    if (commitNotice !== 'deferred' || n.noticeDue || !n.core.commitNoticesPending()) return
    n.noticeDue = true
    const epoch = n.epoch
    q.after(noticeRng.int(1, 3), () => {
      if (n.epoch !== epoch) return
      n.noticeDue = false
      if (!n.up) return
      n.core.sendCommitNotices()
      kick(n)
    })
  }

  function applyEntry (n: SimNode, e: Entry): void {
    if (e.index !== n.kv.appliedIndex + 1) violation(`${n.id} applies ${e.index} after ${n.kv.appliedIndex}`)
    recordApplied(n, e)
    let cmd: KvCommand = { op: 'noop' }
    const tag = e.type === 'normal' ? readProposalTag(e.data) : undefined
    if (e.type === 'normal' && e.data.length > 0) cmd = decodeKvCommand(tag?.command ?? e.data)
    const result = n.kv.apply(e.index, cmd)
    if (tag !== undefined && isTaggedBy(tag, n.instance)) {
      const done = n.forwarded.get(tag.seq)
      n.forwarded.delete(tag.seq)
      done?.(result)
    }
    const pending = n.proposals.get(e.index)
    if (pending !== undefined) {
      n.proposals.delete(e.index)
      for (const p of pending) p.done(p.term === e.term ? result : 'lost')
    }
  }

  function flushReads (n: SimNode): void {
    if (n.waitingReads.length === 0) return
    const ready = n.waitingReads.filter((r) => r.index <= n.kv.appliedIndex)
    n.waitingReads = n.waitingReads.filter((r) => r.index > n.kv.appliedIndex)
    for (const r of ready) r.run()
  }

  // ------------------------------------------------------------ network
  let partition: Set<string> | undefined // nodes on one side; undefined when whole
  const connected = (a: string, b: string): boolean => partition === undefined || partition.has(a) === partition.has(b)

  function send (m: Message): void {
    stats.messages++
    if (m.type === 'snapshot') stats.snapshotsSent++
    // Once quiet, the network is healthy: no loss, no duplicates, latency well below the election timeout.
    const quiet = q.now >= durationMs
    if (netRng.chance(quiet ? 0 : dropRate)) { stats.dropped++; return }
    const copies = netRng.chance(quiet ? 0 : dupRate) ? 2 : 1
    if (copies === 2) stats.duplicated++
    for (let i = 0; i < copies; i++) {
      // Each delivery gets its own deep copy, as from a real wire: no state shared between nodes.
      const wire = copyMessage(m)
      q.after(netRng.int(1, quiet ? Math.min(maxDelay, 10) : maxDelay), () => {
        const to = nodes.get(m.to)
        if (to === undefined || !to.up || !connected(m.from, m.to)) return
        to.core.step(wire)
        kick(to)
      })
    }
  }

  // ------------------------------------------------------------ time, crashes, partitions
  const tickMs = new Map<string, number>()
  function scheduleTicks (n: SimNode): void {
    const epoch = n.epoch
    let interval = tickMs.get(n.id)
    if (interval === undefined) {
      interval = Math.max(1, Math.round(TICK_MS * (1 + drift * (2 * faultRng.next() - 1))))
      tickMs.set(n.id, interval)
    }
    const every = interval
    const tick = (): void => {
      if (n.epoch !== epoch || !n.up) return
      n.core.tick()
      kick(n)
      q.after(every, tick)
    }
    q.after(faultRng.int(1, TICK_MS), tick)
  }

  function crash (n: SimNode): void {
    n.up = false
    n.epoch++
    n.busy = false
    n.noticeDue = false
    n.proposals = new Map()
    n.forwarded = new Map()
    n.instance = newInstance()
    n.reads = new Map()
    n.waitingReads = []
    stats.crashes++
    trace(`${n.id} crashed`)
  }

  function restart (n: SimNode): void {
    if (n.up) return
    n.core = makeCore(n.id, [], n.disk)
    n.kv = n.disk.snapshot !== undefined ? KvStateMachine.restore(n.disk.snapshot.data) : new KvStateMachine()
    n.up = true
    trace(`${n.id} restarted (term ${n.disk.hardState.term}, ${n.disk.entries.length} entries, snapshot ${n.disk.snapshot?.metadata.index ?? 0})`)
    scheduleTicks(n)
    kick(n)
  }

  const liveNodes = (): SimNode[] => [...nodes.values()].filter((n) => n.up)
  const currentLeader = (): SimNode | undefined => {
    let best: SimNode | undefined
    let bestTerm = -1
    for (const n of nodes.values()) {
      if (!n.up) continue
      const s = n.core.status()
      if (s.role === 'leader' && s.term > bestTerm) { best = n; bestTerm = s.term }
    }
    return best
  }

  function faultStep (): void {
    if (q.now >= durationMs) return
    // crashes: at most a minority of the initial size down at once
    const down = [...nodes.values()].filter((n) => !n.up)
    if (faultRng.chance(crashRate) && down.length < Math.floor(initialCount / 2)) {
      const leader = currentLeader()
      const victim = leader !== undefined && faultRng.chance(0.5) ? leader : faultRng.pick(liveNodes())
      crash(victim)
      q.after(faultRng.int(20, 300), () => { if (q.now < durationMs) restart(victim) })
    }
    if (partition === undefined && faultRng.chance(partitionRate)) {
      const ids = [...nodes.keys()]
      const leader = currentLeader()
      const r = faultRng.next()
      const side = r < 0.4 && leader !== undefined
        ? [leader.id] // cut the leader off
        : r < 0.6 ? [faultRng.pick(ids)] : faultRng.shuffle(ids).slice(0, faultRng.int(1, Math.max(1, ids.length - 1)))
      partition = new Set(side)
      stats.partitions++
      trace(`partition ${[...partition].join(',')} | rest`)
      q.after(faultRng.int(50, 400), () => { partition = undefined; trace('partition healed') })
    }
    if (faultRng.chance(confRate)) tryConfChange()
    if (faultRng.chance(transferRate)) tryTransfer()
    q.after(100, faultStep)
  }

  function tryTransfer (): void {
    const leader = currentLeader()
    if (leader === undefined) return
    const others = leader.core.status().conf.voters.filter((id) => id !== leader.id)
    if (others.length === 0) return
    const to = faultRng.pick(others)
    leader.core.transferLeadership(to)
    stats.transfers++
    trace(`${leader.id} transfers leadership to ${to}`)
    kick(leader)
  }

  function tryConfChange (): void {
    const leader = currentLeader()
    if (leader === undefined) return
    const conf = leader.core.status().conf
    let change: ConfChange
    const r = faultRng.next()
    if (conf.learners.length > 0 && r < 0.5) {
      change = { type: 'promote-learner', node: faultRng.pick(conf.learners) }
    } else if (conf.voters.length < 5 && r < 0.75 && nextId <= initialCount + 4) {
      change = { type: faultRng.chance(0.5) ? 'add-learner' : 'add-voter', node: `n${nextId}` }
    } else if (conf.voters.length > 3) {
      change = { type: 'remove', node: faultRng.pick(conf.voters) }
    } else {
      return
    }
    try {
      leader.core.proposeConfChange(change)
    } catch (e) {
      if (e instanceof ProposalDroppedError || e instanceof NotLeaderError || e instanceof InvalidConfChangeError) return
      throw e
    }
    stats.confChanges++
    trace(`${leader.id} proposes ${change.type} ${change.node}`)
    if (change.type === 'add-learner' || change.type === 'add-voter') {
      nextId++
      startNode(change.node, [])
    }
    kick(leader)
  }

  // ------------------------------------------------------------ clients
  const history: KvOperation[] = []
  const keys = ['k0', 'k1', 'k2']
  let quietProgress = false
  const clientCount = options.clients ?? 3
  let readSeq = 0

  function pickNode (r: Random): SimNode {
    const live = liveNodes()
    return live.length > 0 ? r.pick(live) : (nodes.values().next().value as SimNode)
  }

  function runClient (client: number): void {
    let target = pickNode(clientRng)
    let valueSeq = 0

    const nextOp = (): void => {
      if (q.now >= endMs - 50) return
      // Spread clients over the nodes (followers forward or redirect), so stale nodes get asked too.
      if (clientRng.chance(0.5)) target = pickNode(clientRng)
      const key = clientRng.pick(keys)
      const kind = clientRng.int(0, 9)
      let input: KvInput
      if (kind < 3) input = { op: 'put', key, value: `c${client}v${valueSeq++}` }
      else if (kind < 7) input = { op: 'get', key }
      else if (kind < 9) input = { op: 'cas', key, expect: clientRng.chance(0.3) ? null : lastSeen.get(key) ?? null, value: `c${client}v${valueSeq++}` }
      else input = { op: 'delete', key }
      const op: KvOperation = { client, input, call: q.now, return: Infinity }
      history.push(op)
      let finished = false
      const deadline = q.now + 400
      const finish = (output: KvOutput | undefined): void => {
        if (finished) return
        finished = true
        if (output !== undefined) {
          op.output = output
          op.return = q.now
          if (q.now > durationMs) quietProgress = true
        }
        q.after(clientRng.int(0, 10), nextOp)
      }
      q.at(deadline, () => { if (!finished) { trace(`client ${client} timed out on ${kvModel.describe?.(input, undefined)}`); finish(undefined) } })
      const alive = (): boolean => !finished && q.now < deadline

      switch (input.op) {
        case 'put':
          write({ op: 'put', key, value: enc.encode(input.value) }, alive, () => finish({}))
          break
        case 'delete':
          write({ op: 'delete', key }, alive, () => finish({}))
          break
        case 'get':
          read(key, alive, (value) => { if (value !== null) lastSeen.set(key, value); finish({ value }) })
          break
        case 'cas': {
          const { expect, value } = input
          const attempt = (): void => {
            read(key, alive, (current, revision) => {
              if (current !== expect) { finish({ ok: false }); return }
              write({ op: 'put', key, value: enc.encode(value), ifRevision: revision }, alive, (result) => {
                if (result.ok) finish({ ok: true })
                else q.after(1, () => { if (alive()) attempt() }) // changed in between: try again
              })
            })
          }
          attempt()
          break
        }
      }
    }

    const lastSeen = new Map<string, string>()

    /** Proposes `cmd` until it is applied (retrying only when it surely was not), calling `done` with the result. */
    function write (cmd: KvCommand, alive: () => boolean, done: (result: KvResult) => void): void {
      const attempt = (): void => {
        if (!alive()) return
        const n = target
        if (!n.up) { target = pickNode(clientRng); q.after(5, attempt); return }
        try {
          if (n.core.basicStatus().role === 'follower' && clientRng.chance(0.5)) {
            // Through the leader as a propose message: no retry, the outcome stays unknown unless this node applies it.
            const seq = ++n.forwardSeq
            n.core.proposeViaLeader(tagProposal(n.instance, seq, encodeKvCommand(cmd)))
            n.forwarded.set(seq, (r) => { if (alive()) done(r) })
            stats.forwardedProposals++
            kick(n)
            return
          }
          const pos = n.core.propose(encodeKvCommand(cmd))
          const list = n.proposals.get(pos.index) ?? []
          list.push({ term: pos.term, done: (r) => { if (r === 'lost') q.after(5, attempt); else if (alive()) done(r) } })
          n.proposals.set(pos.index, list)
          kick(n)
        } catch (e) {
          retryElsewhere(e, attempt)
        }
      }
      attempt()
    }

    /** A linearizable read through ReadIndex; each try gives up after 60 ms and starts over. */
    function read (key: string, alive: () => boolean, done: (value: string | null, revision: number) => void): void {
      let answered = false
      const attempt = (): void => {
        if (!alive() || answered) return
        const n = target
        if (!n.up) { target = pickNode(clientRng); q.after(5, attempt); return }
        if (options.unsafeLocalReads === true) {
          answered = true
          const entry = n.kv.get(key)
          done(entry === undefined ? null : dec.decode(entry.value), entry?.modRevision ?? 0)
          return
        }
        const ctx = `r${readSeq++}`
        try {
          n.core.readIndex(enc.encode(ctx))
        } catch (e) {
          retryElsewhere(e, attempt)
          return
        }
        n.reads.set(ctx, (index) => {
          n.waitingReads.push({
            index,
            run: () => {
              if (!alive() || answered) return
              answered = true
              const entry = n.kv.get(key)
              done(entry === undefined ? null : dec.decode(entry.value), entry?.modRevision ?? 0)
            }
          })
          flushReads(n)
        })
        kick(n)
        q.after(60, () => { if (!answered) { target = pickNode(clientRng); attempt() } })
      }
      attempt()
    }

    function retryElsewhere (e: unknown, attempt: () => void): void {
      if (e instanceof NotLeaderError) {
        const leader = e.leader === '' ? undefined : nodes.get(e.leader)
        if (leader?.up === true) { target = leader; q.after(1, attempt) } else { target = pickNode(clientRng); q.after(15, attempt) }
      } else if (e instanceof ProposalDroppedError) {
        q.after(15, attempt)
      } else {
        throw e
      }
    }

    q.after(clientRng.int(0, 50), nextOp)
  }

  // ------------------------------------------------------------ run
  for (const id of initial) startNode(id, initial)
  q.after(100, faultStep)
  const periodicLogCheck = (): void => {
    checkLogMatching([...nodes.values()].filter((n) => n.up), violation)
    if (q.now + 250 < endMs) q.after(250, periodicLogCheck)
  }
  q.after(250, periodicLogCheck)
  for (let c = 0; c < clientCount; c++) runClient(c)
  q.at(durationMs, () => {
    partition = undefined
    for (const n of nodes.values()) restart(n)
    trace('quiet period: network healed, every node up')
  })
  q.runUntil(endMs)

  if (log !== undefined) {
    for (const n of nodes.values()) {
      const st = n.core.status()
      trace(`${n.id} ${n.up ? 'up' : 'down'} ${st.role} term ${st.term} leader ${st.leader || '-'} commit ${st.commit} applied ${n.kv.appliedIndex} last ${st.lastIndex} snap ${st.snapshotIndex} voters ${st.conf.voters.join(',')} learners ${st.conf.learners.join(',')}${st.progress !== undefined ? ` progress ${JSON.stringify(st.progress)}` : ''}`)
    }
  }

  // ------------------------------------------------------------ final checks
  checkLogMatching([...nodes.values()].filter((n) => n.up), violation)
  const byApplied = new Map<number, { id: string, digest: string }>()
  for (const n of nodes.values()) {
    if (!n.up) continue
    const d = n.kv.digest()
    const other = byApplied.get(n.kv.appliedIndex)
    if (other === undefined) byApplied.set(n.kv.appliedIndex, { id: n.id, digest: d })
    else if (other.digest !== d) violation(`replicas ${other.id} and ${n.id} differ at applied index ${n.kv.appliedIndex}`)
  }

  let linearizable: true | false | 'unknown' = true
  const result = checkLinearizable(kvModel, history, { timeoutMs: options.checkTimeoutMs ?? 5000 })
  if (result.ok === false) {
    linearizable = false
    violation(`linearizability: ${result.explanation}`)
  } else if (result.ok === 'unknown') {
    linearizable = 'unknown'
  }
  const opsOk = history.filter((o) => o.output !== undefined).length
  trace(`done: ${history.length} ops (${opsOk} ok), ${stats.leaders} leaders, ${stats.messages} messages`)
  return {
    seed,
    violations,
    ops: history.length,
    opsOk,
    opsUnknown: history.length - opsOk,
    linearizable,
    progressedWhenQuiet: quietProgress,
    stats
  }
}

/** Log matching: if two logs hold an entry with the same index and term, they are identical up to it. */
function checkLogMatching (live: Array<{ id: string, core: RaftCore }>, violation: (s: string) => void): void {
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const a = live[i] as { id: string, core: RaftCore }
      const b = live[j] as { id: string, core: RaftCore }
      const sa = a.core.status()
      const sb = b.core.status()
      const lo = Math.max(sa.snapshotIndex, sb.snapshotIndex) + 1
      const hi = Math.min(sa.lastIndex, sb.lastIndex)
      if (hi < lo) continue
      const ea = a.core.entries(lo, hi + 1) as Entry[]
      const eb = b.core.entries(lo, hi + 1) as Entry[]
      let lastSame = -1
      for (let k = ea.length - 1; k >= 0; k--) {
        if ((ea[k] as Entry).term === (eb[k] as Entry).term) { lastSame = k; break }
      }
      for (let k = 0; k <= lastSame; k++) {
        const x = ea[k] as Entry
        const y = eb[k] as Entry
        if (x.term !== y.term || x.type !== y.type || !bytesEqual(x.data, y.data)) {
          violation(`log matching: ${a.id} and ${b.id} agree at ${lo + lastSame} but differ at ${x.index}`)
          return
        }
      }
    }
  }
}

/** A deep copy of a message (what a transport's encode + decode yields). */
function copyMessage (m: Message): Message {
  switch (m.type) {
    case 'append':
      return { ...m, entries: m.entries.map((e) => ({ ...e, data: e.data.slice() })) }
    case 'snapshot': {
      const { metadata, data } = m.snapshot
      return { ...m, snapshot: { metadata: { ...metadata, conf: { voters: metadata.conf.voters.slice(), learners: metadata.conf.learners.slice() } }, data: data.slice() } }
    }
    case 'heartbeat':
    case 'heartbeat-response':
      return m.context === undefined ? { ...m } : { ...m, context: m.context.slice() }
    case 'read-index':
    case 'read-index-response':
      return { ...m, context: m.context.slice() }
    default:
      return { ...m }
  }
}

function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
