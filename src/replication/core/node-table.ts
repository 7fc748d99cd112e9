/** Node ids and their indexes in order of first use: packed forms (entries, messages) carry the index, not the id. */
export class NodeTable {
  readonly ids: string[] = []
  private readonly index = new Map<string, number>()

  /** The index of `id`, added at the end when new. */
  of (id: string): number {
    let i = this.index.get(id)
    if (i === undefined) {
      i = this.ids.length
      this.ids.push(id)
      this.index.set(id, i)
    }
    return i
  }

  toJSON (): string {
    return JSON.stringify(this.ids)
  }
}
