import type { Cluster, Redis } from 'ioredis'

/** What every Redis-backed part takes: the command client, and the prefix of its keys. */
export interface RedisKeysOptions {
  redis: Redis | Cluster
  /** Key prefix, default "chat:". */
  prefix?: string
}

export interface ScriptDef {
  /** Omitted: the caller passes the key count first (a script over any number of keys). */
  numberOfKeys?: number
  lua: string
}
type Arg = string | number
export type ScriptRunner<N extends string> = (name: N, ...args: Arg[]) => Promise<unknown>

/**
 * Defines Lua scripts on a client once (EVALSHA with a fallback to EVAL; on a cluster routed
 * by the first key) and returns a typed way to call them. Several users share one client,
 * so a script already defined under its name is kept.
 */
export function scriptRunner<N extends string>(client: Redis | Cluster, scripts: Record<N, ScriptDef>): ScriptRunner<N> {
  const c = client as unknown as Record<string, (...args: Arg[]) => Promise<unknown>>
  for (const [name, def] of Object.entries(scripts) as [N, ScriptDef][]) {
    if (typeof c[name] !== 'function') client.defineCommand(name, def)
  }
  return (name, ...args) => c[name](...args)
}

/** A part's scripts, defined on its client, and the prefix of its keys (`<prefix><area>:`). */
export class KeyScripts<N extends string> {
  readonly run: ScriptRunner<N>
  readonly prefix: string

  constructor(o: RedisKeysOptions, area: string, scripts: Record<N, ScriptDef>) {
    this.run = scriptRunner(o.redis, scripts)
    this.prefix = `${o.prefix ?? 'chat:'}${area}:`
  }
}
