// v1.1 §C: GET /api/rooms/:id/questions?state=open|all&after=SEQ&limit=N.
import { expect, it } from 'vitest'
import { bothSetups } from './host-setups'
import { cid, expectError, http, joinedClient, login, type TestClient } from './support'

bothSetups('questions', (get) => {
  const ask = (c: TestClient, room: string, text: string) => c.request({ type: 'send', room, cid: cid(), kind: 'question', body: { text } })
  const answer = (c: TestClient, room: string, question: number, text: string) =>
    c.request({ type: 'send', room, cid: cid(), kind: 'answer', body: { question, text } })

  it('open = not recalled and no live answer; all lists every question with its answers; ascending, paged', async () => {
    const { A, B } = get()
    const [t, v] = [await login(A.url, 'Teacher'), await login(A.url, 'Student')]
    await http(A.url, 'POST', '/api/rooms', { id: 'qa-room', title: 'QA' }, t.token)
    const tc = await joinedClient(A, t.token, 'qa-room')
    const vc = await joinedClient(B, v.token, 'qa-room')
    const q1 = (await ask(vc, 'qa-room', 'first?')).seq
    const q2 = (await ask(vc, 'qa-room', 'second?')).seq
    const q3 = (await ask(vc, 'qa-room', 'third?')).seq
    const q4 = (await ask(vc, 'qa-room', 'recalled?')).seq
    await vc.request({ type: 'send', room: 'qa-room', cid: cid(), kind: 'text', body: { text: 'not a question' } })
    const a1 = (await answer(tc, 'qa-room', q1, 'yes')).seq
    const a2 = (await answer(tc, 'qa-room', q2, 'maybe')).seq
    const a2b = (await answer(tc, 'qa-room', q2, 'no, yes')).seq
    expect(await tc.request({ type: 'recall', room: 'qa-room', seq: a2 })).toMatchObject({ type: 'recalled' })
    expect(await vc.request({ type: 'recall', room: 'qa-room', seq: q4 })).toMatchObject({ type: 'recalled' })
    const get1 = (url: string, q: string) => http(url, 'GET', `/api/rooms/qa-room/questions${q}`, undefined, v.token)

    const open = await get1(B.url, '')
    expect(open.status).toBe(200)
    expect(open.body).toEqual({
      questions: [
        {
          room: 'qa-room',
          seq: q3,
          cid: expect.any(String),
          from: v.user,
          kind: 'question',
          body: { text: 'third?' },
          ts: expect.any(Number),
          answers: [],
        },
      ],
      more: false,
    })
    expect((await get1(A.url, '?state=open')).body).toEqual(open.body)
    const all = await get1(A.url, '?state=all')
    expect(all.body.more).toBe(false)
    expect(all.body.questions.map((x: any) => [x.seq, x.answers, x.recalled ?? false])).toEqual([
      [q1, [a1], false],
      [q2, [a2b], false],
      [q3, [], false],
      [q4, [], true],
    ])
    expect(all.body.questions[3].body).toEqual({})
    const p1 = await get1(A.url, '?state=all&limit=2')
    expect([p1.body.questions.map((x: any) => x.seq), p1.body.more]).toEqual([[q1, q2], true])
    const p2 = await get1(A.url, `?state=all&limit=2&after=${q2}`)
    expect([p2.body.questions.map((x: any) => x.seq), p2.body.more]).toEqual([[q3, q4], false])
    // Recalling the last answer opens the question again.
    await tc.request({ type: 'recall', room: 'qa-room', seq: a1 })
    expect((await get1(B.url, '?state=open')).body.questions.map((x: any) => x.seq)).toEqual([q1, q3])
    tc.close()
    vc.close()
  })

  it('refusals: a non-member 403 not_joined; bad state, limit or after 400; unknown room 404', async () => {
    const { A } = get()
    const [t, x] = [await login(A.url, 'Teacher'), await login(A.url, 'Outsider')]
    await http(A.url, 'POST', '/api/rooms', { id: 'qa-refuse', title: 'QA' }, t.token)
    const q = (s: string, who = t) => http(A.url, 'GET', `/api/rooms/qa-refuse/questions${s}`, undefined, who.token)
    expectError(await q('', x), 'not_joined')
    for (const bad of ['?state=closed', '?state=', '?limit=0', '?limit=101', '?after=-1', '?after=x'])
      expectError(await q(bad), 'bad_request')
    expect((await q('?limit=100&state=all')).body).toEqual({ questions: [], more: false })
    expectError(await http(A.url, 'GET', '/api/rooms/qa-nowhere/questions', undefined, t.token), 'not_found')
    expectError(await http(A.url, 'GET', '/api/rooms/qa-refuse/questions'), 'unauthorized')
  })
})
