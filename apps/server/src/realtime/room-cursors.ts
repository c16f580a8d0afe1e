/** Where a connection stands in a room: the last seq it was sent, in order. */
export interface RoomCursor {
  cursor: number
  /** A store read is catching this connection up; live frames wait for it. */
  filling: boolean
}

/**
 * A connection's rooms and its cursor in each: the Map operations the server uses, with the
 * first room held in two fields and a Map only from the second room on. Nearly every
 * connection is in one room, and an idle connection's Map with its hash table cost ~180 bytes
 * (issue 13: heap per connection).
 */
export class RoomCursors {
  private firstRoom: string | null = null
  private firstCursor: RoomCursor | null = null
  private rest: Map<string, RoomCursor> | null = null

  get size(): number {
    return (this.firstRoom === null ? 0 : 1) + (this.rest?.size ?? 0)
  }

  has(room: string): boolean {
    return this.firstRoom === room || (this.rest?.has(room) ?? false)
  }

  get(room: string): RoomCursor | undefined {
    return this.firstRoom === room ? this.firstCursor! : this.rest?.get(room)
  }

  set(room: string, cursor: RoomCursor): this {
    if (this.firstRoom === room || (this.firstRoom === null && !this.rest?.has(room))) {
      this.firstRoom = room
      this.firstCursor = cursor
    } else (this.rest ??= new Map()).set(room, cursor)
    return this
  }

  delete(room: string): boolean {
    if (this.firstRoom === room) {
      this.firstRoom = null
      this.firstCursor = null
      return true
    }
    const had = this.rest?.delete(room) ?? false
    if (this.rest?.size === 0) this.rest = null
    return had
  }

  /** The rooms, in no promised order. */
  keys(): string[] {
    const out = this.firstRoom === null ? [] : [this.firstRoom]
    if (this.rest) for (const r of this.rest.keys()) out.push(r)
    return out
  }
}
