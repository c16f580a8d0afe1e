import fp from 'fastify-plugin'
import { createStore } from '../../store/index'
import type { Store } from '../../store/types'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/** The durable store: SQLite in DATA_DIR by default, Postgres with DATABASE_URL. */
export default fp(
  async (app) => {
    const store = await createStore({
      databaseUrl: app.config.databaseUrl ?? undefined,
      dataDir: app.config.dataDir,
      sqliteSynchronous: app.config.sqliteSynchronous,
    })
    try {
      await store.migrate()
    } catch (err) {
      await store.close().catch(() => {})
      throw err
    }
    app.decorate('store', store)
    // Last to close: in-flight sends must still be able to write while sockets drain.
    app.addHook('onClose', async () => {
      await store.close()
    })
  },
  { name: 'db', dependencies: ['config'] },
)
