// Vite builds the console into dist/ (served by serve.mjs). The virtual module
// `virtual:trusted-documents` maps each operation's name to its hash in the trusted-documents
// manifest of @studio/graph, so production builds send `documentId` instead of the text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const MANIFEST = fileURLToPath(new URL('../graph/src/generated/persisted-documents.json', import.meta.url));
const VIRTUAL = 'virtual:trusted-documents';

function trustedDocuments(): Plugin {
  return {
    name: 'trusted-documents',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : undefined),
    load(id) {
      if (id !== `\0${VIRTUAL}`) return undefined;
      this.addWatchFile(MANIFEST);
      const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
      const byName: Record<string, string> = {};
      for (const [hash, text] of Object.entries(manifest)) {
        const name = /\b(?:query|mutation|subscription)\s+(Console\w+)/.exec(text)?.[1];
        if (name) byName[name] = hash;
      }
      return `export default ${JSON.stringify(byName)};`;
    },
  };
}

// CONSOLE_PROXY=http://host:port: the dev and preview servers pass /graphql and /auth/* on
// to that gateway and the page calls its own origin (no CORS needed for a dev port).
const proxyTarget = process.env.CONSOLE_PROXY;
const proxy = proxyTarget
  ? {
      '/graphql': { target: proxyTarget, ws: true },
      '/auth': { target: proxyTarget },
    }
  : undefined;

function sameOriginGateway(): Plugin {
  const serveConfig = (server: { middlewares: { use: (path: string, fn: (req: unknown, res: { setHeader: (k: string, v: string) => void; end: (body: string) => void }) => void) => void } }) =>
  {
    server.middlewares.use('/config.js', (_req, res) => {
      res.setHeader('content-type', 'text/javascript');
      res.end('window.STUDIO_GATEWAY = window.location.origin;\n');
    });
  };
  return { name: 'same-origin-gateway', configureServer: serveConfig, configurePreviewServer: serveConfig };
}

export default defineConfig({
  plugins: [react(), trustedDocuments(), ...(proxyTarget ? [sameOriginGateway()] : [])],
  build: { target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 5173, strictPort: true, proxy },
});
