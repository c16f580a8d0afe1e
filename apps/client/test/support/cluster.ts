// Real multi-node deployments for the client's end-to-end tests: the server's own cluster
// helper (nodes as processes on a fresh Postgres database and a Redis of their own), reused
// across packages so both suites start nodes the same way.
import { serverNode, startCluster, type NodeProcess, type TestCluster } from '../../../server/test/helpers/cluster'

export { startCluster, type NodeProcess, type TestCluster }

/** Limits high enough that a scripted user is never throttled (the tests check delivery). */
export const RELAXED_LIMITS = { SEND_RATE_LIMIT: '10000', FRAME_RATE_LIMIT: '10000', LOGIN_RATE_LIMIT: '10000' }

/**
 * One more node of `cluster` on a fixed port: a client build made with
 * `VITE_SERVER_URL=http://127.0.0.1:<port>` talks to it. Stopped with the cluster.
 */
export async function addNodeOnPort(cluster: TestCluster, id: string, port: number): Promise<NodeProcess> {
  const shared = cluster.nodes[0]?.env
  if (!shared) throw new Error('the cluster needs a first node to copy its env from')
  const { DATABASE_URL, REDIS_URL, DATA_DIR } = shared
  const node = serverNode({ id, port, env: { ...RELAXED_LIMITS, DATABASE_URL, REDIS_URL, DATA_DIR } })
  cluster.nodes.push(node)
  await node.start()
  return node
}

/** The stored history of a room, as the server has it (seq ascending). */
export async function serverHistory(
  base: string,
  token: string,
  room: string,
): Promise<Array<{ seq: number; kind: string; body: Record<string, unknown>; recalled?: boolean }>> {
  const out: Array<{ seq: number; kind: string; body: Record<string, unknown>; recalled?: boolean }> = []
  for (let after = 0; ; ) {
    const res = await fetch(`${base}/api/rooms/${encodeURIComponent(room)}/messages?after=${after}&limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    })
    if (!res.ok) throw new Error(`history ${room}: HTTP ${res.status} ${await res.text()}`)
    const page = (await res.json()) as { messages: typeof out; more: boolean }
    out.push(...page.messages)
    if (!page.more || !page.messages.length) return out
    after = page.messages[page.messages.length - 1].seq
  }
}
