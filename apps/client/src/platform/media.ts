// Picking, uploading and previewing images.
import type { UploadResult } from '@chat/protocol'
import { apiUrl } from '../engine/server-url'

export class UploadError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
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

export function uploadImage(base: string, token: string, filePath: string): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    uni.uploadFile({
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
      fail: (err) => reject(new UploadError(0, 'network', err.errMsg || 'upload failed')),
    })
  })
}

export function previewImage(url: string): void {
  uni.previewImage({ urls: [url], current: url })
}
