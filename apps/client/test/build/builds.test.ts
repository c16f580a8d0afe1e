// What ships: both builds exist, the mini-program has no eval/new Function (WeChat refuses
// them) and its main package stays within budget, and the test ids survive compilation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { h5Dir, mpDir } from '../support/builds'

export const MAIN_PACKAGE_BUDGET = 300 * 1024

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
}

const TEST_IDS = [
  'login-name',
  'login-submit',
  'room-id-input',
  'room-join',
  'room-item',
  'room-unread',
  'conn-status',
  'message-item',
  'message-text',
  'message-input',
  'send-button',
  'like-button',
  'flower-button',
  'image-button',
  'online-count',
  // host control (v1.1)
  'room-create-button',
  'room-create-title',
  'room-create-invite-switch',
  'room-create-submit',
  'room-invite-code',
  'announcement-bar',
  'room-settings-button',
  'announcement-input',
  'announcement-save',
  'mute-all-switch',
  'member-item',
  'member-action-mute',
  'member-action-kick',
  'member-action-admin',
  'member-action-owner',
  'questions-button',
  'question-item',
  'question-answer-input',
  'question-answer-send',
  'input-muted-hint',
  // reactions (issue 11)
  'reaction-sprite',
  'reaction-line',
]

describe('mp-weixin build', () => {
  const all = existsSync(mpDir) ? files(mpDir) : []
  const text = all.filter((f) => /\.(js|wxml|json|wxss|wxs)$/.test(f))

  it('has the app and its three pages', () => {
    const app = JSON.parse(readFileSync(join(mpDir, 'app.json'), 'utf8'))
    expect(app.pages).toEqual(['pages/login/login', 'pages/rooms/rooms', 'pages/chat/chat'])
    for (const p of app.pages) for (const ext of ['js', 'wxml', 'json']) expect(existsSync(join(mpDir, `${p}.${ext}`))).toBe(true)
  })

  it('contains no eval( and no new Function anywhere', () => {
    expect(text.length).toBeGreaterThan(10)
    const offenders = text.filter((f) => /\beval\s*\(|new\s+Function\s*\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(mpDir, f))
    expect(offenders).toEqual([])
  })

  it('keeps the main package within 300 KB', () => {
    // No subpackages: everything in the output is the main package.
    const bytes = all.reduce((n, f) => n + statSync(f).size, 0)
    console.log(`[client] mp-weixin main package: ${(bytes / 1024).toFixed(1)} KB (${bytes} bytes) of ${MAIN_PACKAGE_BUDGET / 1024} KB`)
    expect(bytes).toBeGreaterThan(10 * 1024)
    expect(bytes).toBeLessThanOrEqual(MAIN_PACKAGE_BUDGET)
  })

  it('keeps every test id on the compiled elements', () => {
    const wxml = text
      .filter((f) => f.endsWith('.wxml'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
    const missing = TEST_IDS.filter((id) => !wxml.includes(`data-testid="${id}"`))
    expect(missing).toEqual([])
    // Outside tests pick a member by id.
    expect(wxml).toMatch(/data-testid="member-item"[^>]*data-user-id="\{\{/)
  })

  it('talks through a SocketTask (the form that allows more than one socket)', () => {
    const socket = readFileSync(join(mpDir, 'platform/socket.js'), 'utf8')
    const usesTask = /connectSocket\(\{[^}]*complete/.test(socket) && /\.onMessage\(/.test(socket)
    const usesGlobal = /onSocketMessage|sendSocketMessage/.test(socket)
    expect({ usesTask, usesGlobal }).toEqual({ usesTask: true, usesGlobal: false })
  })
})

describe('h5 build', () => {
  it('has an index.html using the hash router and the test ids in its code', () => {
    expect(existsSync(join(h5Dir, 'index.html'))).toBe(true)
    const js = files(h5Dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
    expect(js).toMatch(/"hash"/)
    const missing = TEST_IDS.filter((id) => !js.includes(`"${id}"`))
    expect(missing).toEqual([])
  })
})
