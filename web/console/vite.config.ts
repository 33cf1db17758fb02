// Vite builds the console into dist/ (served by serve.mjs). The virtual module
// `virtual:trusted-documents` maps each operation's name to its hash in the trusted-documents
// manifest of @studio/graph, so production builds send `documentId` instead of the text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// Each typed document of @studio/graph as a module of its own, so that a screen's chunk
// carries the documents it uses and the first load only the ones the shell needs.
// `@studio/graph` is one module (gql.ts's `graphql()` map and graphql.ts's ~100 documents):
// a bundler splits chunks by module, so every document any screen used landed in the
// first-load chunk. This plugin rewrites `import { XDocument } from '@studio/graph'` (types
// are gone by then) into one import per document from `virtual:graph-document/XDocument`,
// whose text is that document's line of graphql.ts. TypeScript still checks the imports
// against the package's index.
const GENERATED = fileURLToPath(new URL('../graph/src/generated/graphql.ts', import.meta.url));
const PREFIX = 'virtual:graph-document/';
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*['"]@studio\/graph['"];?/g;

/** name → the JavaScript of `export const name = {...};` (the TypeScript cast dropped). */
function documents(): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of readFileSync(GENERATED, 'utf8').split('\n')) {
    const match = /^export const (\w+) = (\{.*\}) as unknown as \w+<.*>;$/.exec(line);
    if (match?.[1] && match[2]) found.set(match[1], `export const ${match[1]} = ${match[2]};\n`);
  }
  return found;
}

function graphDocuments(): Plugin {
  let known: Map<string, string> | null = null;
  const lookup = () => (known ??= documents());
  return {
    name: 'graph-documents',
    buildStart() {
      known = null;
      this.addWatchFile(GENERATED);
    },
    transform(code, id) {
      if (id.includes('node_modules') || !code.includes('@studio/graph')) return null;
      const rewritten = code.replace(IMPORT, (_all, names: string) =>
        names
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name && !name.startsWith('type '))
          .map((name) => {
            const [imported, local] = name.split(/\s+as\s+/);
            if (!imported || !lookup().has(imported)) {
              this.error(`@studio/graph has no document named ${imported} (imported by ${id})`);
            }
            return `import { ${imported}${local ? ` as ${local}` : ''} } from '${PREFIX}${imported}';`;
          })
          .join('\n'),
      );
      return rewritten === code ? null : { code: rewritten, map: null };
    },
    resolveId: (id) => (id.startsWith(PREFIX) ? `\0${id}` : undefined),
    load(id) {
      if (!id.startsWith(`\0${PREFIX}`)) return undefined;
      return lookup().get(id.slice(PREFIX.length + 1));
    },
  };
}

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
  plugins: [react(), trustedDocuments(), graphDocuments(), ...(proxyTarget ? [sameOriginGateway()] : [])],
  build: { target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 5173, strictPort: true, proxy },
});
