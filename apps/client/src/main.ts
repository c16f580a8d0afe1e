import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
import { createPlatformDeps } from './platform'
import { provideDeps } from './stores/deps'

export function createApp() {
  // The stores reach the platform (socket, http, storage) only through these deps.
  provideDeps(createPlatformDeps())
  const app = createSSRApp(App)
  app.use(Pinia.createPinia())
  return { app, Pinia }
}
