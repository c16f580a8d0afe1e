/// <reference types="@dcloudio/types" />

interface ImportMetaEnv {
  /** `http(s)://` base of the chat server; the socket URL is derived from it. */
  readonly VITE_SERVER_URL?: string
}
interface ImportMeta {
  readonly env: ImportMetaEnv
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
