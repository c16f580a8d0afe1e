// The image button: pick → upload (a pending bubble with progress and ✕, see
// engine/upload-queue) → send an image message.
import { reactive, type Ref } from 'vue'
import type { MessageBody, MessageKind } from '@chat/protocol'
import { UploadQueue } from '../engine/upload-queue'
import { pickImage, uploadImage } from '../platform'
import { useDeps } from '../stores/deps'
import { useSessionStore } from '../stores/session'

export function useImageSend(room: Ref<string>, send: (k: MessageKind, b: MessageBody) => boolean) {
  const session = useSessionStore()
  const deps = useDeps()
  const queue = reactive(
    new UploadQueue(
      (path, onProgress) => uploadImage(deps.serverUrl, session.token ?? '', path, onProgress),
      (_room, up) =>
        void send('image', { url: up.url, ...(up.width ? { width: up.width } : {}), ...(up.height ? { height: up.height } : {}) }),
    ),
  ) as UploadQueue

  async function sendImage() {
    const path = await pickImage()
    if (!path || !session.token) return
    queue.start(room.value, path)
  }

  return { sendImage, uploads: queue }
}
