// Serves the built console (dist/) with brotli or gzip, long caching for hashed assets,
// and index.html for every other path (the console's own router takes it from there).
//   CONSOLE_PORT (5173)   CONSOLE_HOST (127.0.0.1)
//   CONSOLE_GATEWAY_URL   the gateway's origin the browser calls (http://localhost:4000)
// /config.js tells the page where the gateway is; /healthz answers 200 once serving.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('./dist/', import.meta.url));
const port = Number(process.env.CONSOLE_PORT || 5173);
const host = process.env.CONSOLE_HOST || '127.0.0.1';
const gateway = (process.env.CONSOLE_GATEWAY_URL || 'http://localhost:4000').replace(/\/$/, '');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// Every file is read and compressed once, at start: the console is a few hundred KB.
function load(path, body, type) {
  const compressible = COMPRESSIBLE.has(extname(path));
  return {
    type,
    raw: body,
    br: compressible ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : null,
    gzip: compressible ? gzipSync(body, { level: 9 }) : null,
    immutable: path.includes(`${sep}assets${sep}`),
  };
}

const files = new Map();
for (const path of walk(root)) {
  const url = `/${relative(root, path).split(sep).join('/')}`;
  files.set(url, load(path, readFileSync(path), TYPES[extname(path)] ?? 'application/octet-stream'));
}
const config = `window.STUDIO_GATEWAY = ${JSON.stringify(gateway)};\n`;
files.set('/config.js', load('/config.js', Buffer.from(config), TYPES['.js']));
const index = files.get('/index.html');
if (!index) throw new Error(`no index.html in ${root}: run npm run build first`);

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'content-security-policy': `default-src 'self'; connect-src 'self' ${gateway} ${gateway.replace(/^http/, 'ws')}; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'`,
};

const server = createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  // A path with a file extension that is not here is a 404; any other path is the app.
  let file = files.get(path);
  if (!file && extname(path)) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  file ??= index;
  const accepts = String(request.headers['accept-encoding'] ?? '');
  const encoding = file.br && /\bbr\b/.test(accepts) ? 'br' : file.gzip && /\bgzip\b/.test(accepts) ? 'gzip' : null;
  const body = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.raw;
  response.writeHead(200, {
    ...SECURITY,
    'content-type': file.type,
    'content-length': body.length,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'Accept-Encoding',
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
});

server.listen(port, host, () => {
  console.log(`console on http://${host === '127.0.0.1' ? 'localhost' : host}:${port} (gateway ${gateway})`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
