// GraphQL Code Generator: the operations under src/operations, checked against the public
// API schema the gateway serves (gateway/schema.graphql, written by `make compose`), become
// typed documents in src/generated and the trusted-documents manifest the gateway loads.
//   npm run generate   rewrite src/generated after changing an operation or the schema
//   npm run check      fail when src/generated is stale, then type-check the package
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const config: CodegenConfig = {
  schema: '../../gateway/schema.graphql',
  documents: ['src/operations/**/*.graphql'],  // console/: the console's own
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      // Every selection asks for __typename, as a normalized cache (the console's urql
      // graphcache) needs, so that the trusted document the gateway runs by hash is the
      // one the cache expects.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        // Every operation is also listed by its hash in persisted-documents.json; the
        // gateway serves those by hash (trusted documents), and a client may send the hash
        // alone.
        persistedDocuments: { hashAlgorithm: 'sha256' },
        fragmentMasking: false,
      },
      config: {
        strictScalars: true,
        // As they travel in JSON: times as RFC 3339 strings, money and other exact amounts
        // as decimal strings (never floats), files as the browser's.
        scalars: {
          Date: 'string',
          DateTime: 'string',
          Decimal: 'string',
          Upload: 'File | Blob',
          _Any: 'unknown',
        },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        skipTypename: false,
        nonOptionalTypename: true,
      },
    },
  },
};

export default config;
