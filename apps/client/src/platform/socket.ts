// uni's SocketTask behind the engine's SocketLike. Always the task form: it is the only
// one that allows several sockets on mini-programs (the global uni.onSocket* API is one).
import type { SocketFactory } from '../engine/types'

export const uniSocket: SocketFactory = (url) => {
  // Passing a callback is what makes uni return the SocketTask instead of a Promise.
  const task = uni.connectSocket({ url, complete: () => {} })
  return {
    send: (data) => task.send({ data }),
    close: (code = 1000, reason = '') => task.close({ code, reason }),
    onOpen: (cb) => task.onOpen(() => cb()),
    onMessage: (cb) => task.onMessage((res) => cb(typeof res.data === 'string' ? res.data : '')),
    onClose: (cb) => task.onClose((res: { code?: number; reason?: string }) => cb(res?.code ?? 1006, res?.reason ?? '')),
    onError: (cb) => task.onError((err) => cb(err)),
  }
}
