import { NoQuorumError } from './errors.js'

/**
 * Runs `start(resolve, reject)` (which returns how to undo what it registered) and settles with it, or rejects with
 * `timeoutError()` after `ms`, or with NoQuorumError when `signal` aborts; one timer, no AbortSignal per call.
 */
export async function bounded<T> (ms: number, signal: AbortSignal | undefined, timeoutError: () => Error, start: (resolve: (value: T) => void, reject: (err: Error) => void) => () => void): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    let settled = false
    let undo: () => void = () => {}
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    const fail = (err: Error): void => { if (finish()) { undo(); reject(err) } }
    const onAbort = (): void => { fail(new NoQuorumError('the caller gave up')) }
    const timer = setTimeout(() => { fail(timeoutError()) }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    undo = start((value) => { if (finish()) resolve(value) }, fail)
    if (signal?.aborted === true) onAbort()
  })
}
