// `pnpm backup --out FILE`: a consistent copy of the embedded deployment (SQLite in
// DATA_DIR) while the server keeps running. docs/operations.md says how to restore it.
//
//   FILE              chat.db, copied with SQLite's online backup API (one snapshot)
//   FILE.uploads/     DATA_DIR/uploads (content-addressed images), when there is one
//   FILE.jwt-secret   DATA_DIR/jwt-secret (the generated signing key), when there is one
//
// The database is copied first and the uploads after it: an upload is on disk before any
// message can name it and is never deleted, so every image the copy refers to is there.
// With DATABASE_URL (Postgres) it refuses: use pg_dump.
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// pnpm runs root scripts in the repo root; paths typed as arguments are relative to where
// they ran `pnpm backup` (INIT_CWD), as they would be for any command of their shell.
const here = process.env.INIT_CWD || process.cwd()
const USAGE = 'usage: pnpm backup --out FILE [--data-dir DIR]   (DATA_DIR defaults to ./data)'
// The names the server gives uploads (apps/server/src/services/upload-storage.ts).
const UPLOAD_NAME = /^[A-Za-z0-9_-]{1,128}\.(jpg|png|gif|webp)$/

function die(message, code = 1) {
  process.stderr.write(`backup: ${message}\n`)
  process.exit(code)
}

function parseArgs(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') continue
    const m = /^--(out|data-dir)(?:=(.*))?$/.exec(a)
    if (!m) die(`unknown argument ${JSON.stringify(a)}\n${USAGE}`, 2)
    const value = m[2] ?? argv[++i]
    if (!value) die(`--${m[1]} needs a value\n${USAGE}`, 2)
    out[m[1]] = value
  }
  return out
}

const args = parseArgs(process.argv.slice(2))
if (!args.out) die(`--out FILE is required\n${USAGE}`, 2)

const dbUrl = process.env.DATABASE_URL?.trim()
if (dbUrl) {
  // Never echo the URL: it may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(dbUrl)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    die(
      'DATABASE_URL points at Postgres; this command backs up the embedded SQLite store only.\n' +
        'Back up Postgres (messages, users, rooms and uploads) with pg_dump, e.g.\n' +
        '  pg_dump -Fc "$DATABASE_URL" > chat-$(date +%F).dump\n' +
        'and restore with pg_restore (docs/operations.md, "Backups and restore").',
      2,
    )
  }
  die('DATABASE_URL is set but is not a postgres:// URL; unset it to back up the SQLite store in DATA_DIR', 2)
}

// DATA_DIR as `pnpm start` resolves it (against the repo root, where pnpm runs scripts).
const dataDir = args['data-dir']
  ? path.resolve(here, args['data-dir'])
  : path.resolve(process.cwd(), process.env.DATA_DIR?.trim() || './data')
const source = path.join(dataDir, 'chat.db')
const out = path.resolve(here, args.out)
if (!existsSync(source)) die(`no database at ${source} (set DATA_DIR or --data-dir to the server's data directory)`)
if (!existsSync(path.dirname(out))) die(`the directory of --out does not exist: ${path.dirname(out)}`)
if (existsSync(out) && statSync(out).isDirectory()) die(`--out must name a file, ${out} is a directory`)
if (existsSync(out) && realpathSync(out) === realpathSync(source)) die('--out is the live database itself')
if (path.resolve(dataDir) === path.dirname(out)) die('--out must not be inside DATA_DIR (the server owns that directory)')

// better-sqlite3 is the server's dependency; resolve it from there.
const Database = createRequire(path.join(root, 'apps/server/package.json'))('better-sqlite3')

const tmp = `${out}.${process.pid}.tmp`
let stats
try {
  // Read-only: this process never writes the live database. WAL mode lets it read while the
  // server writes; the busy timeout covers a checkpoint or a recovery in progress.
  const src = new Database(source, { readonly: true, fileMustExist: true, timeout: 10_000 })
  try {
    // All remaining pages in one step, inside one read transaction: one snapshot, never
    // restarted by the server's commits between steps, and no lock that blocks a writer.
    await src.backup(tmp, { progress: () => 0x7fffffff })
  } finally {
    src.close()
  }
  const copy = new Database(tmp)
  try {
    // A single self-contained file (no -wal beside it); the server turns WAL on again at start.
    copy.pragma('journal_mode = DELETE')
    const check = copy.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${check}`)
    const count = (table) => {
      try {
        return copy.prepare(`select count(*) as n from ${table}`).get().n
      } catch {
        return '?'
      }
    }
    stats = { messages: count('messages'), rooms: count('rooms'), users: count('users') }
  } finally {
    copy.close()
  }
  const fd = openSync(tmp, 'r')
  fsyncSync(fd)
  closeSync(fd)
  renameSync(tmp, out)
} catch (err) {
  rmSync(tmp, { force: true })
  rmSync(`${tmp}-journal`, { force: true })
  die(`copying ${source} failed: ${err.message}`)
}
const size = statSync(out).size
console.log(
  `database: ${source} → ${out} (${(size / 1048576).toFixed(1)} MiB; ${stats.messages} messages, ${stats.rooms} rooms, ${stats.users} users)`,
)

// Uploads: immutable files named by their content, so a plain copy of what is missing is exact.
const uploads = path.join(dataDir, 'uploads')
if (existsSync(uploads)) {
  const dest = `${out}.uploads`
  mkdirSync(dest, { recursive: true })
  let copied = 0
  let kept = 0
  for (const name of readdirSync(uploads)) {
    if (!UPLOAD_NAME.test(name)) continue // half-written *.tmp files and strays
    const from = path.join(uploads, name)
    const to = path.join(dest, name)
    const st = statSync(from)
    if (!st.isFile()) continue
    if (existsSync(to) && statSync(to).size === st.size) {
      kept++
      continue
    }
    copyFileSync(from, `${to}.tmp`)
    renameSync(`${to}.tmp`, to)
    copied++
  }
  console.log(`uploads: ${uploads} → ${dest}/ (${copied} copied, ${kept} already there)`)
} else {
  console.log(`uploads: none in ${dataDir}`)
}

const secret = path.join(dataDir, 'jwt-secret')
if (existsSync(secret)) {
  copyFileSync(secret, `${out}.jwt-secret`)
  chmodSync(`${out}.jwt-secret`, 0o600)
  console.log(`jwt secret: → ${out}.jwt-secret (keep it as private as the database)`)
}
