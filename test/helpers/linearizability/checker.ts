/**
 * A linearizability checker for histories of concurrent operations (test tooling).
 *
 * Algorithm: Wing & Gong's search in the just-in-time form of Lowe ("Testing for linearizability",
 * 2017), with the memoization of (set of linearized operations, model state) pairs that Porcupine
 * uses, and P-compositionality: a model may split a history into independent parts (for example one
 * per key) that are checked separately.
 *
 * Time model: operation A precedes B in real time iff `A.return < B.call`; operations whose
 * intervals touch (`A.return === B.call`) are taken as concurrent, so equal timestamps never cause a
 * false "not linearizable".
 *
 * Unknown outcomes: an operation with `output === undefined` or `return === Infinity` (a client timed
 * out or crashed) may have taken effect at any moment after its call, or never. The checker treats it
 * as optional: it may be linearized anywhere after its call (stepped with its `output`, normally
 * undefined, which the model must accept whatever the outcome would have been) or left out entirely.
 * Every operation with a known outcome must be linearized between its call and its return.
 */

export interface Operation<I, O> {
  /** Which client issued the operation (diagnostics only). */
  client: number
  input: I
  /** When the client invoked it. */
  call: number
  /** When the client got the response; `Infinity` when it never did (unknown outcome). */
  return: number
  /** The response; undefined when the outcome is unknown. */
  output?: O
}

export interface StepResult<S> {
  ok: boolean
  state: S
}

/** A sequential specification. Models must be pure: `step` never mutates its `state` argument. */
export interface Model<S, I, O> {
  init(): S
  /**
   * Applies `input` to `state`. `ok` says whether `output` is a possible response; when `output` is
   * undefined (unknown outcome) the model must answer ok and return the state the operation would
   * have produced.
   */
  step(state: S, input: I, output: O | undefined): StepResult<S>
  /** Splits a history into parts that are linearizable independently (P-compositionality). */
  partition?(history: Operation<I, O>[]): Operation<I, O>[][]
  /** Equal hashes must mean equal states (used to memoize the search). */
  hash(state: S): string
  /** Human-readable operation, for failure reports. */
  describe?(input: I, output: O | undefined): string
  /** Human-readable state, for failure reports. */
  describeState?(state: S): string
}

export interface CheckOptions {
  /** Give up (result `'unknown'`) after this long; unbounded when absent. */
  timeoutMs?: number
}

export interface CheckFailure<I, O> {
  ok: false
  /** The part of the history (after `model.partition`) that has no linearization. */
  partition: Operation<I, O>[]
  /** The longest linearization of a prefix of that part the search found, in linearization order. */
  longestPrefix: Operation<I, O>[]
  /** The same failure in words. */
  explanation: string
}

export type CheckResult<I, O> = { ok: true } | CheckFailure<I, O> | { ok: 'unknown' }

/**
 * An element of a doubly linked list of events in time order (calls before returns at equal
 * times). Operations with a known outcome have a call and a return entry in the main list; optional
 * ones only a call entry, in a list of their own.
 */
interface Entry {
  /** Index of the operation in its partition. */
  id: number
  isCall: boolean
  time: number
  /** For a call entry in the main list: its return entry. */
  match: Entry | null
  prev: Entry | null
  next: Entry | null
}

interface Frame<S> {
  call: Entry
  stateBefore: S
  hashBefore: string
  /** The phase and optional-call time bound in force when `call` was chosen. */
  optionalPhase: boolean
  bound: number
  /** Whether the configuration before `call` had a candidate skipped as overwriting an optional operation. */
  skippedBefore: boolean
}

const DEADLINE_CHECK_INTERVAL = 256

function isOptional (op: Operation<unknown, unknown>): boolean {
  return op.output === undefined || op.return === Infinity
}

function validate (history: readonly Operation<unknown, unknown>[]): void {
  history.forEach((op, i) => {
    if (!Number.isFinite(op.call)) throw new RangeError(`operation ${i}: call time must be finite`)
    if (Number.isNaN(op.return) || op.return < op.call) throw new RangeError(`operation ${i}: return time is before its call`)
  })
}

function newEntry (id: number, isCall: boolean, time: number): Entry {
  return { id, isCall, time, match: null, prev: null, next: null }
}

/** Links `entries` (sorted here) under a new sentinel head, which it returns. */
function linkSorted (entries: Entry[]): Entry {
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1))
  const head = newEntry(-1, false, -Infinity)
  let last = head
  for (const entry of entries) {
    last.next = entry
    entry.prev = last
    last = entry
  }
  return head
}

function unlink (e: Entry): void {
  (e.prev as Entry).next = e.next
  if (e.next !== null) e.next.prev = e.prev
}

function relink (e: Entry): void {
  (e.prev as Entry).next = e
  if (e.next !== null) e.next.prev = e
}

/** Removes an operation's call (and return) entries; `restore` undoes it (in LIFO order). */
function lift (call: Entry): void {
  unlink(call)
  if (call.match !== null) unlink(call.match)
}

function restore (call: Entry): void {
  if (call.match !== null) relink(call.match)
  relink(call)
}

type PartitionOutcome = { ok: true } | { ok: false, longestPrefix: number[], stuckState: unknown } | { ok: 'unknown' }

function isSubset (a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (((a[i] as number) & ~(b[i] as number)) !== 0) return false
  return true
}

/** Fixed pseudo-random 32-bit words (xorshift32) for Zobrist hashing of operation sets. */
function zobristWords (count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count)
  let x = seed >>> 0
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x
  }
  return out
}

/**
 * Depth-first search over configurations (linearized operations, model state). At each one the
 * candidates are the operations called before the first outstanding return: those with a known
 * outcome first, then optional ones. Pruning, all sound:
 * - a configuration is skipped when an exhausted (hence failed) one had the same linearized
 *   known-outcome operations, the same state, and a subset of its linearized optional operations
 *   (the exhausted one could do everything the new one can);
 * - an optional operation that would leave the state unchanged is never linearized (dropping it
 *   from any linearization keeps that linearization valid);
 * - right after an optional operation, a candidate whose outcome and resulting state do not depend
 *   on it is skipped (the linearization without that optional operation, tried from the parent
 *   configuration, is shorter). A configuration where this happened may have a linearization only
 *   through its parent, so it is not recorded as exhausted.
 * Completeness follows by induction over shortest linearizations, which never contain the patterns
 * skipped by the last two rules.
 */
function checkPartition<S, I, O> (model: Model<S, I, O>, ops: readonly Operation<I, O>[], deadline: number): PartitionOutcome {
  const optional = ops.map(isOptional)
  const slot: number[] = []
  const mainEntries: Entry[] = []
  const optionalEntries: Entry[] = []
  let knownCount = 0
  let optionalCount = 0
  ops.forEach((op, id) => {
    const call = newEntry(id, true, op.call)
    if (optional[id] === true) {
      slot.push(optionalCount++)
      optionalEntries.push(call)
    } else {
      slot.push(knownCount++)
      call.match = newEntry(id, false, op.return)
      mainEntries.push(call, call.match)
    }
  })
  const mainHead = linkSorted(mainEntries)
  const optionalHead = linkSorted(optionalEntries)

  // The set of linearized known-outcome operations, as a 64-bit Zobrist hash (a collision, which
  // could wrongly prune, has probability about configurations^2 / 2^64: negligible).
  const zobristLow = zobristWords(knownCount, 0x9e3779b9)
  const zobristHigh = zobristWords(knownCount, 0x85ebca6b)
  let knownLow = 0
  let knownHigh = 0
  const chosenOptional = new Uint32Array(Math.ceil(optionalCount / 32))
  const toggle = (id: number): void => {
    const i = slot[id] as number
    if (optional[id] === true) {
      chosenOptional[i >>> 5] = (chosenOptional[i >>> 5] as number) ^ (1 << (i & 31))
    } else {
      knownLow ^= zobristLow[i] as number
      knownHigh ^= zobristHigh[i] as number
    }
  }
  const exhausted = new Map<string, Uint32Array[]>()
  const configKey = (stateHash: string): string => `${knownLow},${knownHigh},${stateHash}`

  const stack: Array<Frame<S>> = []
  let state = model.init()
  let stateHash = model.hash(state)
  let optionalPhase = false
  let bound = -Infinity
  let entry = mainHead.next
  let skippedHere = false
  let best: number[] = []
  let bestState: S = state
  let steps = 0

  /**
   * True when the latest choice was an optional operation and `candidate` would have had the same
   * outcome and resulting state without it: that optional operation is then useless before
   * `candidate`, and the sibling configuration that skips it dominates (optional choices leave
   * the candidate set unchanged, so `candidate` is also tried directly from the parent).
   */
  const overwritesOptional = (op: Operation<I, O>, hash: string): boolean => {
    const last = stack[stack.length - 1]
    if (last === undefined || optional[last.call.id] !== true) return false
    const without = model.step(last.stateBefore, op.input, op.output)
    return without.ok && model.hash(without.state) === hash
  }

  for (;;) {
    if (++steps % DEADLINE_CHECK_INTERVAL === 0 && Date.now() > deadline) return { ok: 'unknown' }
    let candidate: Entry | null = null
    if (!optionalPhase) {
      if (entry === null) return { ok: true } // no return left: every known-outcome operation is linearized
      if (entry.isCall) {
        candidate = entry
      } else {
        // Known-outcome candidates exhausted: try optional ones called before this return.
        optionalPhase = true
        bound = entry.time
        entry = optionalHead.next
        continue
      }
    } else if (entry !== null && entry.time <= bound) {
      candidate = entry
    }

    if (candidate !== null) {
      const id = candidate.id
      const op = ops[id] as Operation<I, O>
      const result = model.step(state, op.input, op.output)
      if (result.ok) {
        const hash = model.hash(result.state)
        const useless = optionalPhase && hash === stateHash
        const overwrites = !useless && overwritesOptional(op, hash)
        if (overwrites) skippedHere = true
        if (!useless && !overwrites) {
          toggle(id)
          const dominated = exhausted.get(configKey(hash))?.some((failed) => isSubset(failed, chosenOptional)) === true
          if (!dominated) {
            stack.push({ call: candidate, stateBefore: state, hashBefore: stateHash, optionalPhase, bound, skippedBefore: skippedHere })
            skippedHere = false
            state = result.state
            stateHash = hash
            lift(candidate)
            optionalPhase = false
            entry = mainHead.next
            continue
          }
          toggle(id)
        }
      }
      entry = candidate.next
      continue
    }

    // This configuration is exhausted: remember it (unless a skip made the search here partial),
    // then undo the latest choice.
    if (!skippedHere) {
      const key = configKey(stateHash)
      const record = chosenOptional.slice()
      const records = exhausted.get(key)
      if (records === undefined) exhausted.set(key, [record])
      else exhausted.set(key, [...records.filter((r) => !isSubset(record, r)), record]) // keep only minimal sets
    }
    if (stack.length > best.length) {
      best = stack.map((f) => f.call.id)
      bestState = state
    }
    const frame = stack.pop()
    if (frame === undefined) return { ok: false, longestPrefix: best, stuckState: bestState }
    toggle(frame.call.id)
    state = frame.stateBefore
    stateHash = frame.hashBefore
    restore(frame.call)
    entry = frame.call.next
    optionalPhase = frame.optionalPhase
    bound = frame.bound
    skippedHere = frame.skippedBefore
  }
}

function explain<S, I, O> (model: Model<S, I, O>, ops: readonly Operation<I, O>[], prefix: readonly number[], stuckState: S): string {
  const show = (op: Operation<I, O>): string => {
    const what = model.describe?.(op.input, op.output) ?? JSON.stringify({ input: op.input, output: op.output })
    return `client ${op.client} [${op.call}, ${op.return}] ${what}`
  }
  const inPrefix = new Set(prefix)
  const remaining = ops.filter((_, i) => !inPrefix.has(i))
  const firstReturn = Math.min(...remaining.filter((op) => !isOptional(op)).map((op) => op.return))
  const candidates = remaining.filter((op) => op.call <= firstReturn)
  const stateText = model.describeState?.(stuckState) ?? model.hash(stuckState)
  return [
    `not linearizable: ${prefix.length} of ${ops.length} operations linearized at best:`,
    ...prefix.map((i) => `  ${show(ops[i] as Operation<I, O>)}`),
    `then in state ${stateText} none of these can come next:`,
    ...candidates.map((op) => `  ${show(op)}`)
  ].join('\n')
}

/**
 * Decides whether `history` is linearizable with respect to `model`: `{ ok: true }` when it is,
 * a `CheckFailure` when a part of it is not (a definite answer wins over a timeout in another part),
 * `{ ok: 'unknown' }` when `timeoutMs` ran out first. Throws `RangeError` for a malformed history
 * (non-finite call, return before call).
 */
export function checkLinearizable<S, I, O> (model: Model<S, I, O>, history: Operation<I, O>[], options: CheckOptions = {}): CheckResult<I, O> {
  validate(history)
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs
  const partitions = model.partition?.(history) ?? [history]
  let timedOut = false
  for (const part of partitions) {
    const outcome = checkPartition(model, part, deadline)
    if (outcome.ok === 'unknown') {
      timedOut = true
    } else if (!outcome.ok) {
      return {
        ok: false,
        partition: part,
        longestPrefix: outcome.longestPrefix.map((i) => part[i] as Operation<I, O>),
        explanation: explain(model, part, outcome.longestPrefix, outcome.stuckState as S)
      }
    }
  }
  return timedOut ? { ok: 'unknown' } : { ok: true }
}
