/** A deterministic timer queue for the simulator: events run in (time, insertion order). */
export class EventQueue {
  private readonly heap: Array<{ time: number, seq: number, run: () => void }> = []
  private seq = 0
  now = 0

  get size (): number { return this.heap.length }

  at (time: number, run: () => void): void {
    const item = { time: Math.max(time, this.now), seq: this.seq++, run }
    const h = this.heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(h[p] as typeof item, item)) break
      h[i] = h[p] as typeof item
      i = p
    }
    h[i] = item
  }

  after (delay: number, run: () => void): void {
    this.at(this.now + delay, run)
  }

  /** Runs events up to and including `until`; returns the number run. */
  runUntil (until: number): number {
    let n = 0
    while (this.heap.length > 0 && (this.heap[0] as { time: number }).time <= until) {
      const item = this.pop()
      this.now = item.time
      item.run()
      n++
    }
    this.now = Math.max(this.now, until)
    return n
  }

  private pop (): { time: number, seq: number, run: () => void } {
    const h = this.heap
    const top = h[0] as (typeof h)[number]
    const last = h.pop() as (typeof h)[number]
    if (h.length > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        let best = last
        if (l < h.length && less(h[l] as typeof last, best)) { m = l; best = h[l] as typeof last }
        if (r < h.length && less(h[r] as typeof last, best)) { m = r; best = h[r] as typeof last }
        if (m === i) break
        h[i] = best
        i = m
      }
      h[i] = last
    }
    return top
  }
}

function less (a: { time: number, seq: number }, b: { time: number, seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
