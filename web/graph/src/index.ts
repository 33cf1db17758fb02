// The typed client of the studio graph: each operation of src/operations as a typed
// document (`graphql(...)` or the named `...Document` exports), the schema's types, and
// the hashes of the trusted documents. Works with any client that takes a
// TypedDocumentNode (Apollo Client, urql, graphql-request).
export * from './generated/index.js';
export * from './generated/graphql.js';
