// H5 only: Enter in the message box sends, Shift+Enter breaks the line. A native listener
// on the box's element, because the event uni hands to a component's @keydown is its own
// wrapper without `shiftKey` / `isComposing`. The mini-program has the keyboard's send key.

/** `host`: the uni textarea's component instance (its `$el` holds the real <textarea>). */
export function bindEnterToSend(host: unknown, send: (value: string) => void): () => void {
  // #ifdef H5
  const el = (host as { $el?: HTMLElement } | null)?.$el
  if (!el || typeof el.addEventListener !== 'function') return () => {}
  const onKey = (e: KeyboardEvent) => {
    // An Enter that ends an IME composition (Chinese input) picks the words; it does not send.
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return
    const box = e.target as HTMLTextAreaElement
    if (box?.tagName !== 'TEXTAREA') return
    e.preventDefault()
    send(box.value)
  }
  el.addEventListener('keydown', onKey)
  return () => el.removeEventListener('keydown', onKey)
  // #endif
  // #ifndef H5
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  return () => {}
  // #endif
}
