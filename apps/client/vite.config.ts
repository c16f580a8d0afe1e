// The uni build config (H5 and mp-weixin). Tests use vitest.config.mts instead so the uni
// plugin never loads under Vitest.
import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'

export default defineConfig({
  plugins: [uni()],
  build: {
    // WeChat forbids eval/new Function; keep source maps out of the shipped package.
    sourcemap: false,
  },
})
