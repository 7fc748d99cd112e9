import type { KvInput, KvOperation, KvOutput } from './kv-model.js'

/**
 * Builds key-value histories that are linearizable by construction: every operation is given an
 * interval and a linearization point inside it, and outputs come from executing the operations in
 * point order against a real Map. Used to test the checker and as a reference for simulations.
 */

/** One planned operation; every field is a small number so property-test generators shrink well. */
export interface PlannedOp {
  client: number
  /** 0 put, 1 get, 2 cas, 3 delete (taken modulo 4). */
  kind: number
  key: number
  /** For cas: which earlier value of the key to expect (0 = null, else counting back from the latest). */
  expectPick: number
  /** Idle time of the client before calling. */
  callDelay: number
  /** From call to the linearization point. */
  pointDelay: number
  /** From the linearization point to the return. */
  returnDelay: number
  /** The client never learns the outcome (return Infinity, no output). */
  timedOut: boolean
  /** For a timed-out operation: whether it took effect anyway. */
  tookEffect: boolean
}

export interface GenerateOptions {
  /** Run all operations one after another on one timeline (no overlap at all). */
  sequential?: boolean
}

interface Planned {
  index: number
  input: KvInput
  call: number
  point: number
  return: number
  plan: PlannedOp
}

export function buildHistory (plans: readonly PlannedOp[], options: GenerateOptions = {}): KvOperation[] {
  const clientClock = new Map<number, number>()
  let globalClock = 0
  const writtenPerKey = new Map<string, string[]>()
  const planned: Planned[] = plans.map((plan, index) => {
    const client = options.sequential === true ? 0 : plan.client
    const start = (options.sequential === true ? globalClock : clientClock.get(client) ?? 0) + plan.callDelay
    const point = start + plan.pointDelay
    const ret = point + plan.returnDelay
    const next = ret + 1
    if (options.sequential === true) globalClock = next
    // A client that timed out may go on with other work; its pending operation stays pending.
    clientClock.set(client, next)
    const key = `k${plan.key}`
    const value = `v${index}`
    const written = writtenPerKey.get(key) ?? []
    let input: KvInput
    switch (plan.kind % 4) {
      case 0: input = { op: 'put', key, value }; written.push(value); break
      case 1: input = { op: 'get', key }; break
      case 2: {
        const back = plan.expectPick % (written.length + 1)
        const expect = back === 0 ? null : written[written.length - back] as string
        input = { op: 'cas', key, expect, value }
        written.push(value)
        break
      }
      default: input = { op: 'delete', key }
    }
    writtenPerKey.set(key, written)
    return { index, input, call: start, point, return: ret, plan }
  })

  const store = new Map<string, string>()
  const outputs = new Map<number, KvOutput>()
  const byPoint = [...planned].sort((a, b) => a.point - b.point || a.index - b.index)
  for (const p of byPoint) {
    if (p.plan.timedOut && !p.plan.tookEffect) continue
    const input = p.input
    const current = store.get(input.key) ?? null
    let output: KvOutput
    switch (input.op) {
      case 'put': store.set(input.key, input.value); output = {}; break
      case 'delete': store.delete(input.key); output = {}; break
      case 'get': output = { value: current }; break
      case 'cas':
        if (current === input.expect) store.set(input.key, input.value)
        output = { ok: current === input.expect }
        break
    }
    outputs.set(p.index, output)
  }

  return planned.map((p) => {
    const client = options.sequential === true ? 0 : p.plan.client
    if (p.plan.timedOut) return { client, input: p.input, call: p.call, return: Infinity }
    return { client, input: p.input, call: p.call, return: p.return, output: outputs.get(p.index) as KvOutput }
  })
}
