// The bundle `spur serve` embeds (crates/spur-server/src/routes/ui.rs):
// exactly dist/index.html, dist/assets/app.js and dist/assets/app.css,
// fixed names with no content hash, so that the server names them in its
// code and a rebuild from the same sources gives the same bytes (checked
// by scripts/test).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: false,
    cssCodeSplit: false,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      output: {
        entryFileNames: "assets/app.js",
        chunkFileNames: "assets/app-[name].js",
        assetFileNames: "assets/app[extname]",
        inlineDynamicImports: true,
      },
    },
  },
});
