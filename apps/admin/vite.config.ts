import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// Served by the chat server at /admin/ (apps/server/src/routes/client.ts). `pnpm dev`
// proxies the API to a server on :3000.
export default defineConfig({
  base: '/admin/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
})
