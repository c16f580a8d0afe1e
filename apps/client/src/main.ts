import { createSSRApp } from 'vue'
import * as Pinia from 'pinia'
import App from './App.vue'
import { createPlatformDeps } from './platform'
import { initLocale } from './platform/locale'
import { installA11yFixes } from './platform/a11y'
import { provideDeps } from './stores/deps'

export function createApp() {
  // The stores reach the platform (socket, http, storage) only through these deps.
  provideDeps(createPlatformDeps())
  // Before any page renders: the first paint is already in the user's language.
  initLocale()
  installA11yFixes()
  const app = createSSRApp(App)
  app.use(Pinia.createPinia())
  return { app, Pinia }
}
