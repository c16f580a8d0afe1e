import type { Message } from '@chat/protocol'
import { describe, expect, it } from 'vitest'
import { previewOf } from '../../src/engine/preview'
import { t } from '../../src/i18n'

const msg = (kind: string, body: object, extra: Partial<Message> = {}) =>
  ({ room: 'r', seq: 1, cid: 'c', from: { id: 'u_1', name: '王老师', avatar: null }, kind, body, ts: 0, ...extra }) as Message

describe('previewOf', () => {
  it("names the sender in a group, not in a dm (as WeChat's chat list does)", () => {
    expect(previewOf(msg('text', { text: '作业记得交' }), t)).toBe('王老师: 作业记得交')
    expect(previewOf(msg('text', { text: '作业记得交' }), t, false)).toBe('作业记得交')
    expect(previewOf(msg('image', { url: '/uploads/a.png' }), t, false)).toBe(`[${t('image')}]`)
    expect(previewOf(msg('question', { text: '第二题？' }), t, false)).toBe(`[${t('question')}] 第二题？`)
    // A recall says so whoever sent it.
    expect(previewOf(msg('text', { text: 'x' }, { recalled: true }), t, false)).toBe(t('recalled'))
  })
})
