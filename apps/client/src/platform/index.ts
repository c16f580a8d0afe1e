// The platform's EngineDeps, and app lifecycle hooks the engine cannot see on its own.
import type { EngineDeps } from '../engine/types'
import { normalizeBase } from '../engine/server-url'
import { pauseInBackground, serverBase, wechatCode, hasWechatLogin } from './env'
import { uniHttp } from './http'
import { uniSocket } from './socket'
import { uniStorage } from './storage'
import { hasSubscribe, requestSubscribe } from './subscribe'

export { pickImage, uploadImage, previewImage, UploadError } from './media'
export { canShare, roomLink } from './env'

export function createPlatformDeps(): EngineDeps {
  return {
    socket: uniSocket,
    http: uniHttp,
    storage: uniStorage,
    serverUrl: normalizeBase(serverBase()),
    pauseInBackground,
    ...(hasWechatLogin ? { wechatCode } : {}),
    ...(hasSubscribe ? { subscribe: requestSubscribe } : {}),
  }
}

/** Calls back with true when the network comes back (and false when it goes). */
export function onNetworkChange(cb: (connected: boolean) => void): void {
  uni.onNetworkStatusChange((res) => cb(res.isConnected))
}
