import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** Where `vite dev` forwards API calls: a Gatehouse started locally with `npm start`. */
const devApiTarget = process.env['GATEHOUSE_DEV_API'] ?? 'http://localhost:8080';

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Keep everything in external files: the server's Content-Security-Policy forbids inline scripts.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Libraries change far less often than our code; separate chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler|@tanstack)[\\/]/, priority: 2 },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/]/, priority: 2 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/v1.0': { target: devApiTarget, changeOrigin: false },
      '/portal': { target: devApiTarget, changeOrigin: false },
      '/oauth2': { target: devApiTarget, changeOrigin: false },
    },
  },
});
