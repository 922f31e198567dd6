import { defineConfig } from "vite";

// The gateway serves dist/ at /; `npm run dev` proxies the API to a running suite.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/healthz": "http://127.0.0.1:8000" },
  },
});
