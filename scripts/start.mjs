// `pnpm start`: build the H5 client (once; delete apps/client/dist to rebuild), the
// operator console (/admin/, a second's work) and the server, then run the server in
// this process so Ctrl-C reaches it directly.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const h5 = path.join(root, 'apps/client/dist/build/h5/index.html')
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' })

if (!existsSync(h5)) {
  console.log('building the H5 client (first start only)…')
  run('pnpm --filter @chat/client build:h5')
}
run('pnpm --filter @chat/admin build')
run('pnpm --filter @chat/server build')
await import(pathToFileURL(path.join(root, 'apps/server/dist/main.js')).href)
