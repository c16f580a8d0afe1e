// The image button: find out whether the server takes uploads (503 `unavailable` until
// the uploads work lands), then pick → upload → send an image message.
import { onMounted, ref } from 'vue'
import type { MessageBody, MessageKind } from '@chat/protocol'
import { t } from '../i18n'
import { pickImage, UploadError, uploadImage } from '../platform'
import { useDeps } from '../stores/deps'
import { useSessionStore } from '../stores/session'

export function useImageSend(send: (k: MessageKind, b: MessageBody) => boolean, toast: (s: string) => void) {
  const session = useSessionStore()
  const deps = useDeps()
  /** null while unknown. */
  const imagesOk = ref<boolean | null>(null)

  onMounted(() => {
    session.api.uploadsAvailable().then((ok) => (imagesOk.value = ok), () => (imagesOk.value = null))
  })

  async function sendImage() {
    if (imagesOk.value === false) return toast(t('imageUnavailable'))
    const path = await pickImage()
    if (!path || !session.token) return
    uni.showLoading({ title: t('imageUploading') })
    try {
      const up = await uploadImage(deps.serverUrl, session.token, path)
      send('image', { url: up.url, ...(up.width ? { width: up.width } : {}), ...(up.height ? { height: up.height } : {}) })
    } catch (e) {
      if (e instanceof UploadError && e.code === 'unavailable') imagesOk.value = false
      toast(imagesOk.value === false ? t('imageUnavailable') : t('imageFailed', { msg: (e as Error).message }))
    } finally {
      uni.hideLoading()
    }
  }

  return { imagesOk, sendImage }
}
