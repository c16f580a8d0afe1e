import type { Kysely } from 'kysely'
import { idChunks } from './chunks'
import type { UserRecord } from './records'
import { toUser } from './rows'
import type { DB } from './schema'

// Users: created at the first login, read by id or WeChat openid, renamed, banned.

export async function createUser(
  db: Kysely<DB>,
  u: { id: string; name: string; avatar: string | null; openid?: string | null; ts: number },
): Promise<UserRecord> {
  const row = { id: u.id, name: u.name, avatar: u.avatar, openid: u.openid ?? null, banned_at: null, created_at: u.ts }
  const inserted = await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('openid').doNothing())
    .returningAll()
    .executeTakeFirst()
  if (inserted) return toUser(inserted)
  // Two first logins with the same openid raced: the one stored is the user for both.
  return toUser(await db.selectFrom('users').selectAll().where('openid', '=', row.openid).executeTakeFirstOrThrow())
}

export async function getUser(db: Kysely<DB>, id: string): Promise<UserRecord | null> {
  const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? toUser(r) : null
}

export async function getUsers(db: Kysely<DB>, ids: string[]): Promise<UserRecord[]> {
  const out: UserRecord[] = []
  for (const chunk of idChunks(ids)) {
    const rows = await db.selectFrom('users').selectAll().where('id', 'in', chunk).execute()
    for (const r of rows) out.push(toUser(r))
  }
  return out
}

export async function getUserByOpenid(db: Kysely<DB>, openid: string): Promise<UserRecord | null> {
  const r = await db.selectFrom('users').selectAll().where('openid', '=', openid).executeTakeFirst()
  return r ? toUser(r) : null
}

export async function updateUserProfile(db: Kysely<DB>, id: string, p: { name?: string; avatar?: string | null }): Promise<void> {
  const set: { name?: string; avatar?: string | null } = {}
  if (p.name !== undefined) set.name = p.name
  if (p.avatar !== undefined) set.avatar = p.avatar
  if (Object.keys(set).length === 0) return
  await db.updateTable('users').set(set).where('id', '=', id).execute()
}

export async function setBanned(db: Kysely<DB>, id: string, bannedAt: number | null): Promise<void> {
  await db.updateTable('users').set({ banned_at: bannedAt }).where('id', '=', id).execute()
}
