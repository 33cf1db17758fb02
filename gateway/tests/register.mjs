// Loads the gateway's TypeScript modules under `node --test` as the gateway's CLI does
// (its importer's hooks): `node --import ./tests/register.mjs --test tests/*.test.ts`.
import { register } from 'node:module';

register('@graphql-hive/importer/hooks', { parentURL: import.meta.url, data: { packedDepsPath: '' } });
