// Every host action asks first (uni.showModal) and then reports what the server said:
// a toast on success, the refusal (its code in local words) otherwise.
import { errorText, t } from '../i18n'

export function confirmModal(content: string, title = ''): Promise<boolean> {
  return new Promise((resolve) => {
    uni.showModal({
      title,
      content,
      confirmText: t('confirm'),
      cancelText: t('cancel'),
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    })
  })
}

export function pickAction(items: string[]): Promise<number> {
  return new Promise((resolve) => {
    uni.showActionSheet({ itemList: items, success: (res) => resolve(res.tapIndex), fail: () => resolve(-1) })
  })
}

export const toast = (title: string) => uni.showToast({ title, icon: 'none' })

/** The refusal's code in local words (the server's English `message` is never shown). */
export function refusal(e: unknown): string {
  return t('refused', { msg: errorText(e) })
}

/** Runs a call, toasting `ok` or the refusal; resolves whether it worked. */
export async function attempt(run: () => Promise<unknown>, ok = t('done')): Promise<boolean> {
  try {
    await run()
    if (ok) toast(ok)
    return true
  } catch (e) {
    toast(refusal(e))
    return false
  }
}
