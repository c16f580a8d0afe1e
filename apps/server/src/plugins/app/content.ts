import { readFile } from 'node:fs/promises'
import fp from 'fastify-plugin'
import { createContentFilter, type ContentFilter } from '../../services/content-filter'

declare module 'fastify' {
  interface FastifyInstance {
    contentFilter: ContentFilter
  }
}

/** The sensitive-word filter from SENSITIVE_WORDS_FILE (one word per line); none without it. */
export default fp(
  async (app) => {
    const file = app.config.sensitiveWordsFile
    let words: string[] = []
    if (file) {
      try {
        words = (await readFile(file, 'utf8'))
          .split(/\r?\n/)
          .map((w) => w.trim())
          .filter(Boolean)
      } catch (err) {
        throw new Error(`SENSITIVE_WORDS_FILE cannot be read: ${(err as Error).message}`)
      }
    }
    const filter = createContentFilter(words)
    app.decorate('contentFilter', filter)
  },
  { name: 'content', dependencies: ['config'] },
)
