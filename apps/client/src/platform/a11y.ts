// H5 only: uni's built-in components render their own inner elements, which our attributes
// do not reach. Give the real <img> an alt (the name is on the uni-image, role="img") and
// the real <input> / <textarea> the label set on their uni wrapper (or their placeholder).
export function installA11yFixes(): void {
  // #ifdef H5
  if (typeof MutationObserver === 'undefined' || typeof document === 'undefined') return
  const fix = () => {
    for (const img of document.querySelectorAll<HTMLImageElement>('uni-image img:not([alt])')) img.alt = ''
    for (const f of document.querySelectorAll<HTMLElement>('uni-input input:not([aria-label]), uni-textarea textarea:not([aria-label])')) {
      const host = f.closest('uni-input, uni-textarea')
      const label =
        host?.getAttribute('aria-label') || host?.querySelector('.uni-input-placeholder, .uni-textarea-placeholder')?.textContent?.trim()
      if (label) f.setAttribute('aria-label', label)
    }
  }
  let queued = false
  new MutationObserver(() => {
    if (queued) return
    queued = true
    requestAnimationFrame(() => {
      queued = false
      fix()
    })
  }).observe(document.documentElement, { childList: true, subtree: true })
  // #endif
}
