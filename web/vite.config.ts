import { defineConfig } from 'vite';

// The executor serves dist/ at GET / and GET /assets/<file>: relative asset URLs, no CDN, no
// external fonts. `npm run dev` proxies the API to a running executor (SPARK_DEV_API, default
// http://127.0.0.1:4177).
const api = process.env.SPARK_DEV_API ?? 'http://127.0.0.1:4177';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: Object.fromEntries(
      ['/backtest', '/strategies', '/version', '/healthz', '/readyz'].map((p) => [p, { target: api, changeOrigin: true }]),
    ),
  },
});
