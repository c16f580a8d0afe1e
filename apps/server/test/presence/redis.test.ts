import { randomBytes } from 'node:crypto'
import { redisPresenceSuites } from './redis-presence-harness'

const prefix = `test:${randomBytes(4).toString('hex')}:`
redisPresenceSuites('standalone', () => ({ url: 'redis://127.0.0.1:6379', prefix }))
