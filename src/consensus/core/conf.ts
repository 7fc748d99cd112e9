/**
 * Membership: applying single-server changes to a `ConfState`, and the byte encoding of
 * `conf-change` entries. Every `conf-change` entry carries the change and the full resulting
 * configuration, so the configuration in force at any log index is the one of the latest
 * `conf-change` entry at or before it (or the snapshot's).
 */
import { InvalidConfChangeError } from './errors.js'
import type { ConfChange, ConfState, NodeId } from './types.js'

/** The payload of a `conf-change` entry. `change` is absent for the bootstrap entry. */
export interface ConfChangeRecord {
  change?: ConfChange
  conf: ConfState
}

export function emptyConf (): ConfState {
  return { voters: [], learners: [] }
}

export function cloneConf (conf: ConfState): ConfState {
  return { voters: conf.voters.slice(), learners: conf.learners.slice() }
}

export function confEquals (a: ConfState, b: ConfState): boolean {
  return a.voters.length === b.voters.length && a.learners.length === b.learners.length &&
    a.voters.every((v, i) => v === b.voters[i]) && a.learners.every((v, i) => v === b.learners[i])
}

export function isVoter (conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id)
}

export function isMember (conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id)
}

/**
 * The configuration after `change`. Throws InvalidConfChangeError when the change does not apply:
 * adding a member twice, promoting a non-learner, removing a non-member or the last voter.
 */
export function applyConfChange (conf: ConfState, change: ConfChange): ConfState {
  const { node } = change
  if (typeof node !== 'string' || node === '') throw new InvalidConfChangeError('a conf change needs a node id')
  const voters = conf.voters.slice()
  const learners = conf.learners.slice()
  switch (change.type) {
    case 'add-voter':
      if (isMember(conf, node)) throw new InvalidConfChangeError(`${node} is already a member; use promote-learner for learners`)
      voters.push(node)
      break
    case 'add-learner':
      if (isMember(conf, node)) throw new InvalidConfChangeError(`${node} is already a member`)
      learners.push(node)
      break
    case 'promote-learner':
      if (!learners.includes(node)) throw new InvalidConfChangeError(`${node} is not a learner`)
      learners.splice(learners.indexOf(node), 1)
      voters.push(node)
      break
    case 'remove':
      if (voters.includes(node)) {
        if (voters.length === 1) throw new InvalidConfChangeError('cannot remove the last voter')
        voters.splice(voters.indexOf(node), 1)
      } else if (learners.includes(node)) {
        learners.splice(learners.indexOf(node), 1)
      } else {
        throw new InvalidConfChangeError(`${node} is not a member`)
      }
      break
    default:
      throw new InvalidConfChangeError(`unknown conf change type ${(change as { type: string }).type}`)
  }
  return { voters, learners }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeConfChangeRecord (record: ConfChangeRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record))
}

/** Decodes the data of a `conf-change` entry. */
export function decodeConfChangeRecord (data: Uint8Array): ConfChangeRecord {
  const parsed = JSON.parse(decoder.decode(data)) as ConfChangeRecord
  if (parsed == null || parsed.conf == null || !Array.isArray(parsed.conf.voters) || !Array.isArray(parsed.conf.learners)) {
    throw new InvalidConfChangeError('malformed conf-change entry')
  }
  return parsed
}
