// The image button: find out whether the server takes uploads, then pick → upload (a
// pending bubble with progress and ✕, see engine/upload-queue) → send an image message.
import { onMounted, reactive, ref, type Ref } from 'vue'
import type { MessageBody, MessageKind } from '@chat/protocol'
import { UploadQueue } from '../engine/upload-queue'
import { t } from '../i18n'
import { pickImage, uploadImage } from '../platform'
import { useDeps } from '../stores/deps'
import { useSessionStore } from '../stores/session'

export function useImageSend(room: Ref<string>, send: (k: MessageKind, b: MessageBody) => boolean, toast: (s: string) => void) {
  const session = useSessionStore()
  const deps = useDeps()
  /** null while unknown. */
  const imagesOk = ref<boolean | null>(null)
  const queue = reactive(
    new UploadQueue(
      (path, onProgress) => uploadImage(deps.serverUrl, session.token ?? '', path, onProgress),
      (_room, up) => void send('image', { url: up.url, ...(up.width ? { width: up.width } : {}), ...(up.height ? { height: up.height } : {}) }),
    ),
  ) as UploadQueue

  onMounted(() => {
    session.api.uploadsAvailable().then((ok) => (imagesOk.value = ok), () => (imagesOk.value = null))
  })

  async function sendImage() {
    if (imagesOk.value === false) return toast(t('imageUnavailable'))
    const path = await pickImage()
    if (!path || !session.token) return
    queue.start(room.value, path)
  }

  return { imagesOk, sendImage, uploads: queue }
}
