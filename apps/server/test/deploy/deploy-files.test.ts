/**
 * Dockerfile and deploy/compose.yaml, checked without a container runtime (none can pull
 * images here): every setting the nodes get is one the server reads, the ports line up,
 * the image runs the README's build and entry point as a non-root user with a health
 * check, and nginx points at the compose services.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config'
import { REPO_ROOT } from '../helpers/cluster'

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8')
const dockerfile = read('Dockerfile')
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Record<string, any>
const nginx = read('deploy/nginx.conf')
const configSource = read('apps/server/src/config.ts')
const readme = read('README.md')

/** Dockerfile instructions (continuations joined, comments dropped), by stage. */
function stages(src: string): { from: string; lines: string[] }[] {
  const joined = src
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  const out: { from: string; lines: string[] }[] = []
  for (const l of joined) {
    if (/^FROM\s/i.test(l)) out.push({ from: l, lines: [] })
    else out[out.length - 1]?.lines.push(l)
  }
  return out
}

const nodes = Object.entries(compose.services as Record<string, any>).filter(([, s]) => s.build)

describe('Dockerfile', () => {
  const [build, run] = stages(dockerfile)

  it('builds on the official Node 20 image with the lockfile, running the README commands', () => {
    expect(stages(dockerfile)).toHaveLength(2)
    expect(build.from).toMatch(/^FROM node:20[-.\w]* AS build$/i)
    expect(run.from).toMatch(/^FROM node:20[-.\w]*-slim$/i)
    const runs = build.lines.filter((l) => l.startsWith('RUN ')).join(' && ')
    // README "Running": the production install and build.
    const readmeCmds = /```sh\n(pnpm install --frozen-lockfile) && (pnpm --filter @chat\/server build)\n/.exec(readme)
    expect(readmeCmds, 'README production commands').not.toBeNull()
    for (const cmd of readmeCmds!.slice(1)) expect(runs).toContain(cmd)
    expect(build.lines).toContain('COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./')
    // Every workspace package's manifest is there before the install (else the lockfile does not match).
    for (const pkg of ['packages/protocol', 'apps/server', 'apps/client', 'apps/admin']) {
      expect(
        build.lines.some((l) => l === `COPY ${pkg}/package.json ${pkg}/`),
        pkg,
      ).toBe(true)
    }
    expect(runs).toContain('pnpm --filter @chat/admin build')
    expect(runs).toContain('pnpm --filter @chat/client build:h5')
  })

  it('runs node apps/server/dist/main.js as a non-root user, with /data, port 3000 and a /readyz health check', () => {
    const user = run.lines.find((l) => l.startsWith('USER '))
    expect(user).toBe('USER node')
    expect(run.lines.indexOf(user!)).toBeGreaterThan(run.lines.findIndex((l) => l.startsWith('RUN ')))
    expect(run.lines.at(-1)).toBe('CMD ["node", "apps/server/dist/main.js"]')
    expect(run.lines).toContain('EXPOSE 3000')
    const env = run.lines.find((l) => l.startsWith('ENV '))!
    expect(env).toContain('PORT=3000')
    expect(env).toContain('DATA_DIR=/data')
    expect(run.lines.find((l) => l.startsWith('HEALTHCHECK '))).toMatch(/\/readyz/)
    // The runtime stage carries no sources and no compilers, only what the build made.
    expect(run.lines.filter((l) => l.startsWith('COPY '))).toEqual(['COPY --from=build --chown=root:root /out/ /app/'])
  })
})

describe('deploy/compose.yaml', () => {
  it('runs two nodes from the Dockerfile, with Postgres, Redis and nginx', () => {
    expect(nodes.map(([n]) => n).sort()).toEqual(['node1', 'node2'])
    for (const [, s] of nodes) expect(s.build).toEqual({ context: '..', dockerfile: 'Dockerfile' })
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'node1', 'node2', 'postgres', 'redis'])
    expect(compose.services.nginx.ports).toEqual(['80:80', '443:443'])
    expect(compose.services.nginx.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro')
  })

  it('gives each node only settings the server reads, and a configuration it accepts', () => {
    const read = new Set(
      [...configSource.matchAll(/env,\s*'([A-Z0-9_]+)'|env\.([A-Z0-9_]+)|env\['([A-Z0-9_]+)'\]/g)].map((m) => m[1] ?? m[2] ?? m[3]),
    )
    expect(read.size).toBeGreaterThan(10)
    const ids = new Set<string>()
    for (const [name, s] of nodes) {
      const env = s.environment as Record<string, string>
      for (const key of Object.keys(env)) expect(read.has(key), `${name}: ${key} is not a setting of src/config.ts`).toBe(true)
      ids.add(env.NODE_ID)
      // Interpolated as compose would with a filled-in .env, the config loads.
      const values = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          String(v).replace(/\$\{([A-Z_]+)(:?[-?])([^}]*)\}/g, (_m, name: string, op: string, def: string) =>
            op.endsWith('-') ? def : ({ POSTGRES_PASSWORD: 'pw', JWT_SECRET: 'j'.repeat(40) }[name] ?? 'x'),
          ),
        ]),
      )
      const config = loadConfig(values, '/')
      expect(config.port).toBe(3000)
      expect(config.dataDir).toBe('/data')
      expect(config.databaseUrl).toBe('postgres://chat:pw@postgres:5432/chat')
      expect(config.redisUrl).toBe('redis://redis:6379')
      expect(s.expose).toEqual(['3000'])
      expect(s.volumes.some((v: string) => v.endsWith(':/data'))).toBe(true)
    }
    expect(ids.size).toBe(2)
  })

  it('lists every variable it takes from .env in deploy/env.example', () => {
    const used = new Set([...read('deploy/compose.yaml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]))
    const example = new Set([...read('deploy/env.example').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]))
    expect([...used].filter((v) => !example.has(v))).toEqual([])
  })

  it('points nginx at the node services on their port', () => {
    const upstream = [...nginx.matchAll(/^\s*server\s+([\w.-]+):(\d+)\s/gm)].map((m) => `${m[1]}:${m[2]}`)
    expect(upstream.sort()).toEqual(nodes.map(([n]) => `${n}:3000`).sort())
  })
})

describe('deploy/nginx.conf (the TLS front door)', () => {
  it('serves TLS with HTTP/2 on 443 and redirects port 80 to HTTPS', () => {
    expect(nginx).toMatch(/^\s*listen 443 ssl http2;$/m)
    expect(nginx).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/)
    const plain = /server \{\s*listen 80;[\s\S]*?\n {2}\}/.exec(nginx)?.[0]
    expect(plain, 'a server on port 80').toBeDefined()
    expect(plain).toContain('return 301 https://$host$request_uri;')
  })

  it('upgrades /ws and keeps /metrics and /admin/ behind the allow-list', () => {
    const ws = /location = \/ws \{[^}]*\}/.exec(nginx)?.[0] ?? ''
    expect(ws).toContain('proxy_set_header Upgrade $http_upgrade;')
    expect(ws).toContain('proxy_set_header Connection $connection_upgrade;')
    expect(nginx).toMatch(/geo \$operator \{\s*default\s+0;/)
    for (const loc of ['location /admin/', 'location = /admin', 'location /api/admin/', 'location = /metrics']) {
      const block = new RegExp(`${loc.replace(/[/$]/g, '\\$&')} \\{\\s*if \\(\\$operator = 0\\) \\{ return 403; \\}`).exec(nginx)
      expect(block, loc).not.toBeNull()
    }
  })
})

describe('docs/operations.md', () => {
  const ops = read('docs/operations.md')
  const metricsSource = read('apps/server/src/plugins/app/metrics.ts')
  const rootPkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }

  it('is linked from the README, which lists pnpm backup, METRICS_TOKEN and ALLOWED_ORIGINS', () => {
    expect(readme).toContain('(docs/operations.md')
    expect(readme).toMatch(/^\| `pnpm backup --out FILE` \|/m)
    expect(readme).toMatch(/^\| `METRICS_TOKEN` \|/m)
    expect(readme).toMatch(/^\| `ALLOWED_ORIGINS` \|/m)
    expect(readme).toMatch(/^\| `apps\/admin` \|/m)
    expect(rootPkg.scripts.backup).toBe('node scripts/backup.mjs')
  })

  it('names only metrics the server exports, and all of them', () => {
    const exported = new Set([...metricsSource.matchAll(/name: '(chat_[a-z_]+)'/g)].map((m) => m[1]))
    expect(exported.size).toBeGreaterThan(5)
    const named = new Set([...ops.matchAll(/(?<![\w-])(chat_[a-z_]+?)(?:_bucket)?\b/g)].map((m) => m[1]))
    expect([...named].filter((n) => !exported.has(n))).toEqual([])
    expect([...exported].filter((n) => !named.has(n))).toEqual([])
  })

  it('covers deploy (compose and a systemd unit), the WeChat whitelist, sizing, backups and upgrades', () => {
    expect(ops).toMatch(/```ini\n[\s\S]*\[Service\][\s\S]*ExecStart=\/usr\/bin\/node apps\/server\/dist\/main\.js/)
    expect(ops).toContain('docker compose up -d')
    for (const list of ['request合法域名', 'socket合法域名', 'uploadFile合法域名', 'downloadFile合法域名']) expect(ops).toContain(list)
    expect(ops).toContain('pnpm backup --out')
    expect(ops).toContain('pg_dump')
    expect(ops).toContain('kysely_migration')
    // Sizing quotes the benchmark's own figures.
    const bench = read('docs/benchmarks.md')
    for (const figure of ['268,435', '58,966', '29,483', '4.4 vs 10.9 KiB', '252.5']) {
      expect(bench, figure).toContain(figure)
      expect(ops, figure).toContain(figure)
    }
    // Every repository file it points at exists.
    for (const m of ops.matchAll(/`((?:deploy|scripts|apps\/server\/src)\/[\w./-]+\.(?:conf|yaml|mjs|ts|example))`/g)) {
      expect(() => read(m[1]), m[1]).not.toThrow()
    }
  })
})
