// The gateway's share of verifying a token: jsonwebtoken (what @graphql-mesh/plugin-jwt-auth
// verifies with) on an ES256 token of the identity service and on an HS256 token of the
// platform's tools. Run by bench/token_verification.py; prints one JSON line.
import { createRequire } from 'node:module';
import { generateKeyPairSync } from 'node:crypto';

const require = createRequire(new URL('../gateway/package.json', import.meta.url));
const jwt = require('jsonwebtoken');

const rounds = Number(process.argv[2] || 5000);
const claims = { sub: 'p-1', tenant: 'demo', roles: ['OWNER'], iss: 'studio-identity' };
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const es256 = jwt.sign(claims, privateKey, { algorithm: 'ES256', expiresIn: 300, keyid: 'k1' });
const secret = 'a shared secret of at least thirty-two characters';
const hs256 = jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: 300 });

function perToken(token, key, algorithms) {
  for (let i = 0; i < 200; i++) jwt.verify(token, key, { algorithms });
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) jwt.verify(token, key, { algorithms });
  return Number(process.hrtime.bigint() - start) / 1000 / rounds;
}

console.log(
  JSON.stringify({
    es256_us: perToken(es256, publicKey, ['ES256']),
    hs256_us: perToken(hs256, secret, ['HS256']),
  }),
);
