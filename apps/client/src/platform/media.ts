// Picking, uploading and previewing images.
import type { UploadResult } from '@chat/protocol'
import { apiUrl } from '../engine/server-url'
import type { UploadHandle } from '../engine/upload-queue'

export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Lets the user pick one image; null when they cancel. */
export function pickImage(): Promise<string | null> {
  return new Promise((resolve) => {
    uni.chooseImage({
      count: 1,
      sizeType: ['compressed'],
      success: (res) => resolve((res.tempFilePaths as string[])[0] ?? null),
      fail: () => resolve(null),
    })
  })
}

/** Starts an upload: its progress (0–100) as it goes, and an abort (the ✕ on the bubble). */
export function uploadImage(base: string, token: string, filePath: string, onProgress: (percent: number) => void = () => {}): UploadHandle {
  let task: UniApp.UploadTask | null = null
  let aborted = false
  const done = new Promise<UploadResult>((resolve, reject) => {
    task = uni.uploadFile({
      url: apiUrl(base, '/api/uploads'),
      filePath,
      name: 'file',
      header: { Authorization: `Bearer ${token}` },
      success: (res) => {
        let data: { url?: string; width?: number; height?: number; error?: string; message?: string } = {}
        try {
          data = typeof res.data === 'string' ? JSON.parse(res.data) : (res.data as typeof data)
        } catch {
          // not JSON: report the status below
        }
        if (res.statusCode === 201 || res.statusCode === 200) {
          if (data.url) return resolve({ url: data.url, width: data.width ?? 0, height: data.height ?? 0 })
        }
        reject(new UploadError(res.statusCode, data.error ?? `http_${res.statusCode}`, data.message ?? `HTTP ${res.statusCode}`))
      },
      fail: (err) => reject(new UploadError(0, aborted ? 'aborted' : 'network', err.errMsg || 'upload failed')),
    })
    task?.onProgressUpdate?.((r) => onProgress(r.progress))
  })
  return {
    done,
    abort() {
      aborted = true
      task?.abort()
    },
  }
}

export function previewImage(url: string): void {
  uni.previewImage({ urls: [url], current: url })
}
