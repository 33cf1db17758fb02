// Hive Gateway configuration. Every knob comes from the environment so that the local
// stack, docker compose and Kubernetes run the same file; docs/gateway.md lists them.
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  createInlineSigningKeyProvider,
  createRemoteJwksSigningKeyProvider,
  defineConfig,
  extractFromHeader,
  type JWTAuthPluginOptions,
} from '@graphql-hive/gateway';
import { openTelemetrySetup } from '@graphql-hive/gateway/opentelemetry/setup';
import jsonwebtoken from 'jsonwebtoken';
import { WebSocket, WebSocketServer } from 'ws';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type SelectionSetNode,
} from 'graphql';

import {
  gatewayError,
  type Language,
  languageOf,
  requestLanguage,
  speak,
  tokenLanguage,
} from './language.ts';
import { liveGroups } from './live-groups.ts';
import { liveLimits } from './live-limits.ts';

const env = process.env;

// The services accept this secret in development only (libs/plumbing settings); the gateway
// must sign-check with the same one or every request fails at one side.
const DEVELOPMENT_JWT_SECRET = 'development-only-secret-change-me-0123456789';

// The services accept this signing secret in development only (libs/plumbing auth.py).
const DEVELOPMENT_SIGNING_SECRET = 'development-only-gateway-signing-secret-0123456789';

// Same names and defaults as compose.mjs. The committed supergraph carries the defaults;
// these override where each subgraph is reached without recomposing.
const SUBGRAPH_URL_ENV: Record<string, string> = {
  clients: 'CLIENTS_URL',
  ranks: 'RANKS_URL',
  loyalty: 'LOYALTY_URL',
  crm: 'CRM_URL',
  notifications: 'NOTIFICATIONS_URL',
  identity: 'IDENTITY_URL',
};

const environment = (env.ENVIRONMENT || 'development').toLowerCase();
const production = environment === 'production';

function intFromEnv(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

// --- Subscriptions over WebSocket -------------------------------------------------------
// A browser cannot set headers on a WebSocket upgrade: graphql-transport-ws clients send
// the token in `connectionParams` instead, as `{ authorization: "Bearer <token>" }` (or
// `{ token: "<token>" }`). The gateway verifies it like the header's, and forwards it to
// the subgraph in the Authorization header, which the signature covers.
type ConnectionParams = Record<string, unknown> | undefined;

function connectionToken(params: ConnectionParams): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const header = params.authorization ?? params.Authorization;
  if (typeof header === 'string') {
    const [scheme, token] = header.trim().split(/\s+/);
    return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
  }
  return typeof params.token === 'string' && params.token ? params.token : undefined;
}

function bearerFromConnection(params: ConnectionParams): string | undefined {
  const token = connectionToken(params);
  return token ? `Bearer ${token}` : undefined;
}

type TokenLookup = NonNullable<JWTAuthPluginOptions['tokenLookupLocations']>[number];

const fromConnectionParams: TokenLookup = ({ serverContext }) => {
  const token = connectionToken(
    (serverContext as { connectionParams?: ConnectionParams } | undefined)?.connectionParams,
  );
  return token ? { prefix: 'Bearer', token } : undefined;
};

// The HS256 secret of the platform's own tokens: verified here, and signed for the
// groups of live subscriptions (live-groups.ts).
const jwtSecret = env.JWT_SECRET || (production ? '' : DEVELOPMENT_JWT_SECRET);

// The token check, shared by the JWT plugin (every request and subscribe) and the
// WebSocket's connect check below (`connection_init`).
function tokenChecks() {
  const issuer = env.JWT_ISSUER || undefined;
  const audience = env.JWT_AUDIENCE || undefined;
  const secret = jwtSecret;
  if (production && !secret && !env.JWT_JWKS_URL) {
    throw new Error('JWT_SECRET (or JWT_JWKS_URL) must be set when ENVIRONMENT=production');
  }
  if (production && secret && (secret === DEVELOPMENT_JWT_SECRET || secret.length < 32)) {
    throw new Error('JWT_SECRET must be a real secret of at least 32 characters in production');
  }
  // Tokens signed by the identity service (ES256, or RS256 from another provider) name
  // their key (`kid`) and are checked against the JWKS; the platform's own tools
  // (studioctl, the partner key exchange, tests) sign HS256 with the shared secret and no
  // `kid`. A token is checked against one key only, so an HS256 token can never be
  // verified with a public key taken for a secret (algorithm confusion).
  const jwks = env.JWT_JWKS_URL
    ? createRemoteJwksSigningKeyProvider({ jwksUri: env.JWT_JWKS_URL, cache: true, rateLimit: true })
    : undefined;
  const inline = secret ? createInlineSigningKeyProvider(secret) : undefined;
  const algorithms: Array<'ES256' | 'RS256' | 'HS256'> = [
    ...(jwks ? (['ES256', 'RS256'] as const) : []),
    ...(inline ? (['HS256'] as const) : []),
  ];
  const signingKey = (kid?: string) => (kid ? (jwks ? jwks(kid) : null) : inline ? inline(kid) : null);
  return { signingKey, verification: { algorithms, issuer, audience } };
}

const checks = tokenChecks();

function jwtOptions(): JWTAuthPluginOptions {
  return {
    tokenLookupLocations: [
      extractFromHeader({ name: 'authorization', prefix: 'Bearer' }),
      fromConnectionParams,
    ],
    reject: { missingToken: true, invalidToken: true },
    // The verified claims travel in the subgraph request's `extensions.jwt`; the raw token
    // travels in the Authorization header (propagateHeaders below) so that each subgraph
    // verifies it again rather than trusting the network.
    forward: { payload: true, token: false },
    signingKeyProviders: [checks.signingKey],
    tokenVerification: checks.verification,
  };
}

// The supergraph is read by a function rather than given as a path: for a path the CLI
// watches the file, and its watcher stops for good ("Supergraph file was renamed") the first
// time compose.mjs atomically renames a new file over it, or a Kubernetes ConfigMap swaps
// its symlink. A function is polled instead (every pollingInterval, on the next request);
// an unchanged text is skipped, and a file that fails to load keeps the previous supergraph.
const supergraphPath = env.SUPERGRAPH_PATH
  ? resolve(env.SUPERGRAPH_PATH)
  : fileURLToPath(new URL('./supergraph.graphql', import.meta.url));
if (!existsSync(supergraphPath)) {
  throw new Error(`no supergraph at ${supergraphPath}; run \`make compose\` (or set SUPERGRAPH_PATH)`);
}

function transportEntries(): Record<string, { location: string }> {
  const entries: Record<string, { location: string }> = {};
  for (const [subgraph, name] of Object.entries(SUBGRAPH_URL_ENV)) {
    if (env[name]) entries[subgraph] = { location: env[name] };
  }
  return entries;
}

// Each worker is a full Node process with its own copy of the query planner. On the 2-core
// development machine the five Python services need those cores too, so one worker is the
// default; raise FORK where the gateway has cores of its own (at most one per core).
const fork = Math.min(intFromEnv('FORK', 1) || 1, availableParallelism());

const maxDepth = intFromEnv('GATEWAY_MAX_DEPTH', 12);
const upstreamTimeoutMs = intFromEnv('GATEWAY_UPSTREAM_TIMEOUT_MS', 30_000);
const maxTokens = intFromEnv('GATEWAY_MAX_TOKENS', 2000);
const maxAliases = intFromEnv('GATEWAY_MAX_ALIASES', 15);
const batchLimit = intFromEnv('GATEWAY_BATCH_LIMIT', 5);
// Per caller and per root field, per minute; 0 turns it off. Off outside production so
// that benchmarks through one token are not throttled. The caller is the verified token's
// subject (the default key, the raw Authorization header, would be echoed in the error).
const rateLimit = intFromEnv('GATEWAY_RATE_LIMIT_PER_MINUTE', production ? 600 : 0);
const RATE_LIMIT_KEY = '{context.jwt.payload.tenant}/{context.jwt.payload.sub}';

// Traces, as the services do it (libs/plumbing tracing.py): over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, else one JSON line per span on stderr (the log)
// unless OTEL_TRACES_EXPORTER is "none". The gateway's spans join the caller's trace
// (traceparent) and the subgraphs' spans are their children.
const otlpEndpoint = (env.OTEL_EXPORTER_OTLP_ENDPOINT || '').trim().replace(/\/+$/, '');
const tracesTo = otlpEndpoint ? 'otlp' : (env.OTEL_TRACES_EXPORTER || 'console').toLowerCase();
const tracing = tracesTo === 'otlp' || tracesTo === 'console';

// Head sampling, read from the variables every OpenTelemetry SDK reads (the services'
// Python SDK reads the same two). The gateway starts most traces, and the subgraphs, the
// relays and the consumers follow its decision through the sampled flag of `traceparent`.
// A caller's own `traceparent` decides for its request (parent-based).
function sampler(): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER || 'parentbased_always_on').trim().toLowerCase();
  const ratio = (): number => {
    const raw = (env.OTEL_TRACES_SAMPLER_ARG || '1').trim();
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${raw}"`);
    }
    return value;
  };
  const roots: Record<string, () => Sampler> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: () => new TraceIdRatioBasedSampler(ratio()),
  };
  const root = roots[name.replace(/^parentbased_/, '')];
  if (root === undefined) {
    throw new Error(
      `OTEL_TRACES_SAMPLER must be one of parentbased_always_on, parentbased_always_off, ` +
        `parentbased_traceidratio, always_on, always_off, traceidratio; got "${env.OTEL_TRACES_SAMPLER}"`,
    );
  }
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root: root() }) : root();
}

type ExportedSpan = {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string };
  startTime: [number, number];
  endTime: [number, number];
  attributes: Record<string, unknown>;
  status: { code: number };
};
const SPAN_KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const nanos = ([s, ns]: [number, number]) => s * 1e9 + ns;

// The shape the services' console exporter writes, so one grep finds a whole trace.
const consoleLines = {
  export(spans: ExportedSpan[], done: (result: { code: number }) => void) {
    for (const span of spans) {
      const context = span.spanContext();
      process.stderr.write(
        JSON.stringify({
          name: span.name,
          context: { trace_id: `0x${context.traceId}`, span_id: `0x${context.spanId}` },
          kind: `SpanKind.${SPAN_KINDS[span.kind] ?? 'INTERNAL'}`,
          parent_id: span.parentSpanContext ? `0x${span.parentSpanContext.spanId}` : null,
          duration_ms: (nanos(span.endTime) - nanos(span.startTime)) / 1e6,
          // The document may hold literal values (names, phones): not written to the log;
          // the operation hash identifies it.
          attributes: Object.fromEntries(
            Object.entries(span.attributes).filter(([key]) => key !== 'graphql.document'),
          ),
          status: { status_code: span.status.code === 2 ? 'ERROR' : 'UNSET' },
          resource: { attributes: { 'service.name': 'gateway' } },
        }) + '\n',
      );
    }
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

if (tracing) {
  openTelemetrySetup({
    contextManager: null, // the plugin registers an AsyncLocalStorage one
    resource: { serviceName: 'gateway' },
    sampler: sampler(),
    traces: {
      exporter:
        tracesTo === 'otlp'
          ? new OTLPTraceExporter({ url: `${otlpEndpoint}/v1/traces` })
          : // eslint-disable-next-line @typescript-eslint/no-explicit-any
            (consoleLines as any),
      batching: true,
    },
  });
}

// Two routes of the clients service that callers reach without a token, passed on as
// they are so that a caller needs only the gateway's address:
// - `POST /auth/partner-token`: a partner trades its API key (`Authorization: ApiKey
//   <key>`) for a PARTNER token (docs/security.md);
// - `GET /documents/<tenant>/<client>/<document>?expires=…&signature=…`: a client
//   document's signed download link (C6), which the signature alone authorises.
// And the identity service's sign-in routes (docs/identity.md): `POST /auth/sign-in`,
// `/auth/refresh`, `/auth/sign-out`, `/auth/accept-invitation`, `/auth/second-factor`,
// `/auth/request-password-reset`, `/auth/reset-password` and the app's
// `/auth/client/request-code` and `/auth/client/sign-in`, with the caller's address in
// `x-forwarded-for` (sign-in failures and code requests are throttled per address).
const SIGN_IN_PATHS = new Set([
  '/auth/sign-in',
  '/auth/refresh',
  '/auth/sign-out',
  '/auth/accept-invitation',
  '/auth/second-factor',
  '/auth/request-password-reset',
  '/auth/reset-password',
  '/auth/client/request-code',
  '/auth/client/sign-in',
]);
const PASSED_ON = [
  { method: 'POST', path: (p: string) => p === '/auth/partner-token', service: 'clients' },
  { method: 'GET', path: (p: string) => p.startsWith('/documents/'), service: 'clients' },
  { method: 'POST', path: (p: string) => SIGN_IN_PATHS.has(p), service: 'identity' },
];
const PASSED_HEADERS = ['accept-language', 'authorization', 'content-type', 'x-request-id'];
const RETURNED_HEADERS = [
  'content-type',
  'content-disposition',
  'content-length',
  'cache-control',
  'www-authenticate',
  'retry-after',
];

function subgraphOrigin(name: string): string {
  const url =
    env[SUBGRAPH_URL_ENV[name]] ||
    new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(
      readFileSync(supergraphPath, 'utf8'),
    )?.[1];
  if (!url) throw new Error(`the supergraph names no ${name} subgraph URL; set ${SUBGRAPH_URL_ENV[name]}`);
  return new URL(url).origin;
}

const routesOrigin: Record<string, string> = {
  clients: subgraphOrigin('clients'),
  identity: subgraphOrigin('identity'),
};

// --- Only the gateway reaches the subgraphs --------------------------------------------
// Every request to a subgraph (GraphQL, and the two clients routes above) carries
// `x-gateway-signature: t=<unix seconds>,v1=<hex>`: an HMAC-SHA256, with
// GATEWAY_SIGNING_SECRET, over the lines "v1", the time, the method, the path with its
// query string, and the SHA-256 of the Authorization header and of the body. Each
// subgraph checks it (libs/plumbing auth.py `signature_base` builds the same lines) and
// answers nothing unsigned, so a token sent straight to a subgraph's port gets nothing.
const SIGNATURE_HEADER = 'x-gateway-signature';

function signingSecret(): string {
  const secret = env.GATEWAY_SIGNING_SECRET || (production ? '' : DEVELOPMENT_SIGNING_SECRET);
  if (production && (!secret || secret === DEVELOPMENT_SIGNING_SECRET || secret.length < 32)) {
    throw new Error(
      'GATEWAY_SIGNING_SECRET must be a real secret of at least 32 characters in production',
    );
  }
  return secret;
}

const gatewaySigningSecret = signingSecret();

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

function signature(
  method: string,
  url: string,
  authorization: string,
  body: string | Uint8Array,
): string {
  const target = new URL(url);
  const time = Math.floor(Date.now() / 1000);
  const base = [
    'v1',
    String(time),
    method.toUpperCase(),
    target.pathname + target.search,
    sha256(authorization),
    sha256(body),
  ];
  const mac = createHmac('sha256', gatewaySigningSecret).update(base.join('\n')).digest('hex');
  return `t=${time},v1=${mac}`;
}

function headerValue(headers: Record<string, string>, name: string): string {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? '' : headers[key];
}

type FetchHook = {
  url: string;
  options: { method?: string; body?: unknown; headers?: Record<string, string> };
  setOptions(options: FetchHook['options']): void;
  executionRequest?: unknown;
};

// The server's fetch API (Response, fetch): what the subgraph executor builds its multipart
// bodies with, and what answers made here must be built with, so that the server can
// compress them (Node's own Response streams cannot be piped through its compressor).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let fetchAPI: any = globalThis;

const subgraphSignature = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  onYogaInit({ yoga }: { yoga: { fetchAPI: any } }): void {
    fetchAPI = yoga.fetchAPI;
  },
  async onFetch({ url, options, setOptions, executionRequest }: FetchHook): Promise<void> {
    if (executionRequest === undefined) return; // not a subgraph request
    const method = (options.method || 'GET').toUpperCase();
    const headers = { ...(options.headers ?? {}) };
    let body = options.body;
    if (body != null && typeof body !== 'string') {
      // A multipart upload (FormData): encode it once here, so that the bytes signed are
      // the bytes sent, boundary included.
      const encoded = new fetchAPI.Response(body);
      body = new Uint8Array(await encoded.arrayBuffer());
      for (const key of Object.keys(headers)) {
        if (key.toLowerCase() === 'content-type') delete headers[key];
      }
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
    }
    const signed = (body ?? '') as string | Uint8Array;
    const authorization = headerValue(headers, 'authorization');
    headers[SIGNATURE_HEADER] = signature(method, url, authorization, signed);
    setOptions(body == null ? { ...options, headers } : { ...options, headers, body });
  },
};

type RouteHook = {
  request: Request;
  url: URL;
  endResponse(response: Response): void;
  serverContext?: { req?: { socket?: { remoteAddress?: string } } };
};

const clientsRoutes = {
  async onRequest({ request, url, endResponse, serverContext }: RouteHook): Promise<void> {
    const route = PASSED_ON.find((r) => r.method === request.method && r.path(url.pathname));
    if (route === undefined) return;
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = request.headers.get(name);
      if (value) headers[name] = value;
    }
    // The address the gateway saw; a caller's own x-forwarded-for is not trusted.
    const address = serverContext?.req?.socket?.remoteAddress;
    if (address) headers['x-forwarded-for'] = address;
    try {
      const target = routesOrigin[route.service] + url.pathname + url.search;
      const body = request.method === 'POST' ? await request.text() : undefined;
      const authorization = headers.authorization ?? '';
      headers[SIGNATURE_HEADER] = signature(request.method, target, authorization, body ?? '');
      const upstream = await fetch(target, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const returned: Record<string, string> = {};
      for (const name of RETURNED_HEADERS) {
        const value = upstream.headers.get(name);
        if (value) returned[name] = value;
      }
      // Built with the server's Response, whose body the server can compress.
      endResponse(new fetchAPI.Response(upstream.body, { status: upstream.status, headers: returned }));
    } catch {
      // Coded and in the caller's language, as the routes' own refusals are:
      // {"error": CODE, "message", "params"}.
      const { message, extensions } = gatewayError(
        'SERVICE_UNREACHABLE',
        { service: route.service },
        requestLanguage(request),
      );
      endResponse(
        fetchAPI.Response.json(
          { error: extensions.code, message, params: extensions.params },
          { status: 503, headers: { 'retry-after': '5' } },
        ),
      );
    }
  },
};

// Every error a caller can fix carries a code. The gateway's own checks leave some without
// one: a variable whose value its type refuses (an unknown enum value, a string for an
// Int), a missing or invalid token, and the depth, alias and token limits.
const CALLER_ERROR_CODES: Array<[RegExp, string]> = [
  [/^Variable "\$/, 'BAD_USER_INPUT'],
  [/^(Unauthenticated|Invalid (JWT|authentication))/, 'UNAUTHENTICATED'],
  // The limits below, with the codes the subgraphs give the same refusals.
  [/^Syntax Error: Query depth limit of/, 'QUERY_TOO_DEEP'],
  [/^Syntax Error: Aliases limit of/, 'TOO_MANY_ALIASES'],
  [/^Syntax Error: Token limit of/, 'TOO_MANY_TOKENS'],
];

type CodedError = { message: string; extensions?: Record<string, unknown> };

type PathedError = CodedError & { path?: ReadonlyArray<string | number> };

// A subgraph refusing an argument's value names the variable the gateway sent it, which
// the gateway names after the argument (`$attendedAt`, `$_recordPurchase_input` for a
// value written inline), not the caller's: such a message is worded for the caller, with
// the argument and the field it was given to.
const SUBGRAPH_VARIABLE = /^Variable '\$(?:_[A-Za-z0-9]+_)?(\w+)' (?:has|got) invalid value/;

function forTheCaller(error: PathedError): void {
  const matched = SUBGRAPH_VARIABLE.exec(error.message);
  const field = error.path?.[0];
  if (matched && typeof field === 'string') {
    error.message =
      `Argument '${matched[1]}' of '${field}' has an invalid value` +
      error.message.slice(matched[0].length);
  }
  // Which service answered is the platform's business, not the caller's.
  if (error.extensions && 'serviceName' in error.extensions) {
    const { serviceName: _, ...rest } = error.extensions;
    error.extensions = rest;
  }
}

function withCodes(result: unknown): void {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results) {
    for (const error of ((one as { errors?: PathedError[] } | null)?.errors ?? [])) {
      forTheCaller(error);
      if (error.extensions?.code) continue;
      const code = CALLER_ERROR_CODES.find(([pattern]) => pattern.test(error.message))?.[1];
      if (code) error.extensions = { ...(error.extensions ?? {}), code };
    }
  }
}

// --- Cost limit ------------------------------------------------------------------------
// An operation's estimated cost is the number of objects it may return: every field of an
// object type counts 1, times the size of every list around it. A list's size is its
// `first`/`last` argument (as sent, or the argument's default); on a connection
// (`clients(first: 200) { edges … }`) the argument sizes its `edges` and `nodes`. Any other
// list counts GATEWAY_COST_LIST_SIZE. A mutation adds 10. Above GATEWAY_MAX_COST the
// operation is refused before any subgraph is called, with code
// COST_ESTIMATED_TOO_EXPENSIVE (and `extensions.cost: {estimated, max}`).
//
// Not Hive Gateway's `demandControl`: it adds up the cost of each subgraph request as it is
// sent, so a mutation is already applied when a later fetch is refused, and it sizes an
// entity fetch (`_entities`) by the assumed list size rather than by the rows that lead
// to it (the 3,000 cards of 15 × `clients(first: 200)` count as 10). The estimate here
// covers the whole operation, before it starts.
const maxCost = intFromEnv('GATEWAY_MAX_COST', 10_000);
const assumedListSize = intFromEnv('GATEWAY_COST_LIST_SIZE', 10);
const SLICING_ARGUMENTS = ['first', 'last'];
const CONNECTION_LISTS = ['edges', 'nodes'];

type Fragments = Record<string, FragmentDefinitionNode>;

function sliceSize(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number | undefined {
  if (!field.args.some((arg) => SLICING_ARGUMENTS.includes(arg.name))) return undefined;
  let values: Record<string, unknown> = {};
  try {
    values = getArgumentValues(field, node, variables);
  } catch {
    // An invalid value is refused by execution itself; cost it as the assumed size.
  }
  const sizes = SLICING_ARGUMENTS.map((name) => values[name]).filter(
    (value): value is number => typeof value === 'number',
  );
  return sizes.length ? Math.max(0, ...sizes) : undefined;
}

function selectionCost(
  schema: GraphQLSchema,
  selections: SelectionSetNode,
  parent: GraphQLCompositeType,
  multiplier: number,
  connectionSize: number | undefined,
  fragments: Fragments,
  variables: Record<string, unknown>,
): number {
  let cost = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment =
        selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition
        ? schema.getType(fragment.typeCondition.name.value)
        : parent;
      if (!condition || !isCompositeType(condition)) continue;
      cost += selectionCost(
        schema, fragment.selectionSet, condition, multiplier, connectionSize, fragments, variables,
      );
      continue;
    }
    if (selection.name.value.startsWith('__')) continue; // __typename, introspection
    if (!isObjectType(parent) && !isInterfaceType(parent)) continue; // a union: only __typename
    const field = parent.getFields()[selection.name.value];
    if (!field) continue;
    const sliced = sliceSize(field, selection, variables);
    const list = isListType(getNullableType(field.type));
    let factor = 1;
    if (list) {
      const sizedByConnection = CONNECTION_LISTS.includes(field.name) ? connectionSize : undefined;
      factor = sliced ?? sizedByConnection ?? assumedListSize;
    }
    const named = getNamedType(field.type);
    const inner = multiplier * factor;
    if (isCompositeType(named)) {
      cost += inner;
      if (selection.selectionSet) {
        const childConnection = list ? undefined : sliced;
        cost += selectionCost(
          schema, selection.selectionSet, named, inner, childConnection, fragments, variables,
        );
      }
    }
  }
  return cost;
}

type ExecuteArgs = {
  schema: GraphQLSchema;
  document: { definitions: ReadonlyArray<{ kind: string }> };
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
};

function estimateCost(args: ExecuteArgs): number {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const operation = getOperationAST(args.document as any, args.operationName ?? undefined);
  if (!operation) return 0;
  const root = args.schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments: Fragments = {};
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments[fragment.name.value] = fragment;
    }
  }
  const base = operation.operation === 'mutation' ? 10 : 0;
  const variables = args.variableValues ?? {};
  const selected = selectionCost(
    args.schema, operation.selectionSet, root, 1, undefined, fragments, variables,
  );
  return base + selected;
}

type ExecuteHook = {
  args: ExecuteArgs;
  setResultAndStopExecution(result: unknown): void;
};

const costLimit = {
  onExecute({ args, setResultAndStopExecution }: ExecuteHook) {
    const estimated = estimateCost(args);
    const cost = { estimated, max: maxCost };
    if (estimated > maxCost) {
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            `Operation estimated cost ${estimated} exceeded the maximum of ${maxCost}`,
            { extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost } },
          ),
        ],
      });
      return undefined;
    }
    if (production) return undefined;
    // Outside production every answer tells its cost, to see how far a query is from the limit.
    return {
      onExecuteDone({ result, setResult }: { result: unknown; setResult(result: unknown): void }) {
        if (result === null || typeof result !== 'object' || Symbol.asyncIterator in result) return;
        const plain = result as { extensions?: Record<string, unknown> };
        setResult({ ...plain, extensions: { ...(plain.extensions ?? {}), cost } });
      },
    };
  },
};

// --- Trusted documents -----------------------------------------------------------------
// The console's and the app's operations (web/graph/src/operations) are listed by hash in
// web/graph/src/generated/persisted-documents.json (GATEWAY_TRUSTED_DOCUMENTS to read
// another manifest). A client may send `documentId` (that key) or Apollo's
// `extensions.persistedQuery.sha256Hash` (the key's hex part) instead of the document.
// An unknown hash is answered PERSISTED_QUERY_NOT_FOUND, the answer persisted-query links
// expect before they send the whole document again. Whole documents stay allowed (partners
// write their own) unless GATEWAY_TRUSTED_DOCUMENTS_ONLY=true.
const trustedDocumentsPath = env.GATEWAY_TRUSTED_DOCUMENTS
  ? resolve(env.GATEWAY_TRUSTED_DOCUMENTS)
  : fileURLToPath(new URL('../web/graph/src/generated/persisted-documents.json', import.meta.url));
const trustedOnly = (env.GATEWAY_TRUSTED_DOCUMENTS_ONLY || 'false').toLowerCase() === 'true';

function trustedDocuments(): Map<string, string> {
  const documents = new Map<string, string>();
  if (!existsSync(trustedDocumentsPath)) {
    if (env.GATEWAY_TRUSTED_DOCUMENTS || trustedOnly) {
      throw new Error(`no trusted documents at ${trustedDocumentsPath}`);
    }
    return documents;
  }
  const manifest = JSON.parse(readFileSync(trustedDocumentsPath, 'utf8')) as Record<string, string>;
  for (const [key, document] of Object.entries(manifest)) {
    documents.set(key, document);
    documents.set(key.replace(/^sha256:/, ''), document);
  }
  return documents;
}

const documentsByHash = trustedDocuments();

type PersistedParams = { extensions?: { persistedQuery?: { sha256Hash?: unknown } } } & Record<string, unknown>;

const persistedDocuments = {
  getPersistedOperation: (key: string) => documentsByHash.get(key) ?? null,
  extractPersistedOperationId: (params: PersistedParams) => {
    const id = params.documentId ?? params.extensions?.persistedQuery?.sha256Hash;
    return typeof id === 'string' ? id : null;
  },
  allowArbitraryDocuments: !trustedOnly,
  customErrors: {
    notFound: {
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 200 } },
    },
    persistedQueryOnly: {
      message: 'Only trusted documents are accepted here: send a documentId.',
      extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
    },
    keyNotFound: {
      message: 'Send a query or a documentId.',
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    },
  },
};

// --- Batches ---------------------------------------------------------------------------
// A batch (a JSON array of operations) longer than GATEWAY_BATCH_LIMIT gets one answer per
// operation, each the error BATCH_TOO_LARGE, with HTTP 413: a batching client matches
// answers to operations by position, so a single error object would read as a mismatch.
const batchLimitAnswer = {
  async onRequest({ request, endResponse }: RouteHook): Promise<void> {
    if (batchLimit <= 0 || request.method !== 'POST') return;
    if (!(request.headers.get('content-type') || '').includes('json')) return;
    const text = await request.clone().text();
    if (!text.trimStart().startsWith('[')) return;
    let operations: unknown;
    try {
      operations = JSON.parse(text);
    } catch {
      return; // the server's own parser answers a malformed body
    }
    if (!Array.isArray(operations) || operations.length <= batchLimit) return;
    const error = gatewayError(
      'BATCH_TOO_LARGE',
      { limit: String(batchLimit), count: String(operations.length) },
      requestLanguage(request),
      { limit: batchLimit },
    );
    endResponse(fetchAPI.Response.json(operations.map(() => ({ errors: [error] })), { status: 413 }));
  },
};

// --- CORS ------------------------------------------------------------------------------
// Browsers may call the gateway only from the origins listed in GATEWAY_CORS_ORIGINS
// (comma-separated; outside production the local console's by default). Any other origin
// gets no CORS headers at all, so the browser keeps the answer from it. The token travels
// in the Authorization header, never in a cookie, so credentials are not allowed either.
function corsOrigins(): string[] {
  const localConsole = 'http://localhost:5173,http://127.0.0.1:5173';
  const raw = env.GATEWAY_CORS_ORIGINS ?? (production ? '' : localConsole);
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(
        `GATEWAY_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path, no "*")`,
      );
    }
  }
  return origins;
}

const allowedOrigins = corsOrigins();
const corsMaxAge = intFromEnv('GATEWAY_CORS_MAX_AGE', 600);

function cors(request: Request) {
  const origin = request.headers.get('origin');
  if (origin === null || !allowedOrigins.includes(origin)) return false as const;
  return {
    origin: [origin],
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'traceparent', 'tracestate'],
    exposedHeaders: ['x-request-id'],
    credentials: false,
    maxAge: corsMaxAge,
  };
}

// The answer depends on the caller's Origin (CORS headers or none) and on its
// Accept-Language (the language of every message): caches must key on both.
const varyByOrigin = {
  onResponse({ response }: { response: Response }): void {
    for (const name of ['Origin', 'Accept-Language']) {
      const vary = response.headers.get('vary');
      if (vary && new RegExp(`(^|[\\s,])${name}($|[\\s,])`, 'i').test(vary)) continue;
      response.headers.set('vary', vary ? `${vary}, ${name}` : name);
    }
  },
};

// The gateway's own errors in the caller's language, with their params (language.ts). The
// errors are copied first: a validation error is cached with the document it refuses and
// must read in the next caller's language, not in this one's.
// A GraphQLError stays one (with its `extensions.http`, which sets the response's status
// and is never shown to the caller).
function plainError(error: PathedError & { toJSON?: () => PathedError }): PathedError {
  if (!(error instanceof Error)) return { ...error };
  const original = error as unknown as GraphQLError;
  return new GraphQLError(original.message, {
    nodes: original.nodes,
    source: original.source,
    positions: original.positions,
    path: original.path,
    originalError: original.originalError,
    extensions: { ...original.extensions },
  });
}

function inTheCallersLanguage(result: unknown, language: Language): unknown {
  if (Array.isArray(result)) return result.map((one) => inTheCallersLanguage(one, language));
  if (result === null || typeof result !== 'object' || Symbol.asyncIterator in result) return result;
  const errors = (result as { errors?: PathedError[] }).errors;
  if (!errors?.length) return result;
  return {
    ...result,
    errors: errors.map((error) => {
      const copy = plainError(error);
      speak(copy, language);
      return copy;
    }),
  };
}

const callerErrorCodes = {
  onResultProcess({
    result,
    request,
    setResult,
  }: {
    result: unknown;
    request: Request;
    setResult(result: unknown): void;
  }): void {
    withCodes(result);
    withTokenReasons(result, request);
    setResult(inTheCallersLanguage(result, requestLanguage(request)));
  },
};

// Why a token was refused, so that a client knows whether to sign in (TOKEN_MISSING,
// TOKEN_INVALID) or to refresh (TOKEN_EXPIRED): `extensions.reason` beside the code
// UNAUTHENTICATED, as the subgraphs answer (libs/plumbing auth.py), and an RFC 6750
// `WWW-Authenticate` header on the 401 (a bearer value that is no JWT at all is answered
// by `notAJwt` below, before the JWT plugin, which would answer it 400). The reason is read from the token after the JWT
// plugin refused it, so a forged token past its `exp` reads as expired: harmless.
function tokenReason(request: Request): string {
  const [scheme, token] = (request.headers.get('authorization') ?? '').split(' ');
  if (!token || scheme.toLowerCase() !== 'bearer') return 'TOKEN_MISSING';
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return 'TOKEN_EXPIRED';
  } catch {
    // not a JWT at all: invalid
  }
  return 'TOKEN_INVALID';
}

function withTokenReasons(result: unknown, request: Request): void {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results) {
    for (const error of ((one as { errors?: PathedError[] } | null)?.errors ?? [])) {
      if (error.extensions?.code !== 'UNAUTHENTICATED' || error.extensions.reason) continue;
      error.extensions = { ...error.extensions, reason: tokenReason(request) };
    }
  }
}

// A bearer value that is not three base64url parts whose first two are JSON objects is no
// JWT: 401 TOKEN_INVALID at once, as the subgraphs answer it, rather than the JWT
// plugin's 400.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
function looksLikeJwt(token: string): boolean {
  if (!JWT_SHAPE.test(token)) return false;
  try {
    return token
      .split('.')
      .slice(0, 2)
      .every((part) => {
        const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      });
  } catch {
    return false;
  }
}
const notAJwt = {
  onRequest({ request, url, endResponse }: RouteHook): void {
    if (url.pathname !== '/graphql') return;
    const [scheme, token, ...rest] = (request.headers.get('authorization') ?? '').trim().split(/\s+/);
    if (!scheme) return;
    // Another scheme (Basic, Digest…) carries no bearer token: 401 TOKEN_MISSING with the
    // challenge, as for no header at all, rather than the JWT plugin's 400.
    const other = scheme.toLowerCase() !== 'bearer';
    if (!other && (!token || (rest.length === 0 && looksLikeJwt(token)))) return;
    const reason = other ? 'TOKEN_MISSING' : 'TOKEN_INVALID';
    const error = gatewayError(reason, {}, requestLanguage(request), { reason });
    endResponse(
      fetchAPI.Response.json(
        { errors: [error] },
        {
          status: 401,
          headers: {
            'www-authenticate': other
              ? 'Bearer realm="studio"'
              : 'Bearer realm="studio", error="invalid_token", error_description="bad token"',
          },
        },
      ),
    );
  },
};

// Over WebSocket an answer is no HTTP response, so `callerErrorCodes` never sees it: a
// document refused at subscribe (a syntax error, an unknown field, the depth, alias and
// token limits) is coded and worded for the caller here.
type WebSocketContext = {
  connectionParams?: ConnectionParams;
  request?: Request;
  jwt?: { payload?: Record<string, unknown> };
};

function overWebSocket(context: unknown): context is WebSocketContext {
  return (context as WebSocketContext | undefined)?.connectionParams !== undefined;
}

// Accept-Language of the upgrade, else the token's `lang` (verified, or read from the
// connection's token before it is: it only chooses the words).
function webSocketLanguage(context: WebSocketContext): Language {
  const lang =
    context.jwt?.payload?.lang ?? tokenLanguage(bearerFromConnection(context.connectionParams));
  return languageOf(context.request?.headers.get('accept-language') ?? null, lang);
}

function forTheSocket(error: unknown, language: Language): GraphQLError {
  const copy = plainError(error as PathedError) as GraphQLError & PathedError;
  withCodes({ errors: [copy] });
  speak(copy, language);
  return copy;
}

const webSocketErrors = {
  onParse({ context }: { context: unknown }) {
    if (!overWebSocket(context)) return undefined;
    return ({
      result,
      replaceParseResult,
    }: {
      result: unknown;
      replaceParseResult(result: unknown): void;
    }): void => {
      if (result instanceof Error) replaceParseResult(forTheSocket(result, webSocketLanguage(context)));
    };
  },
  onValidate({ context }: { context: unknown }) {
    if (!overWebSocket(context)) return undefined;
    return ({
      result,
      setResult,
    }: {
      result: ReadonlyArray<GraphQLError>;
      setResult(errors: GraphQLError[]): void;
    }): void => {
      if (result.length) setResult(result.map((error) => forTheSocket(error, webSocketLanguage(context))));
    };
  },
};

const tokenChallenge = {
  onResponse({ request, response }: { request: Request; response: Response }): void {
    if (response.status !== 401 || response.headers.has('www-authenticate')) return;
    const reason = tokenReason(request);
    response.headers.set(
      'www-authenticate',
      reason === 'TOKEN_MISSING'
        ? 'Bearer realm="studio"'
        : `Bearer realm="studio", error="invalid_token", error_description="${
            reason === 'TOKEN_EXPIRED' ? 'the token has expired' : 'bad token'
          }"`,
    );
  },
  // Each result of a subscription, over WebSocket as over SSE.
  onSubscribe() {
    return {
      onSubscribeResult() {
        return { onNext: ({ result }: { result: unknown }) => withCodes(result) };
      },
    };
  },
};

// --- A WebSocket whose token is refused is closed ----------------------------------------
// graphql-transport-ws's convention: 4401 Unauthorized, a code its clients do not retry on
// (they must get a new token), with the reason (TOKEN_MISSING, TOKEN_INVALID,
// TOKEN_EXPIRED, SESSION_REVOKED) in the close message.
// - At connect: Hive Gateway's WebSocket server offers no `onConnect`, so the gateway
//   checks `connection_init` itself before graphql-ws reads it (`guardConnection`, on
//   every socket of the `ws` server the CLI opens): a missing, invalid or expired token
//   closes the socket 4401 before any `connection_ack`, so no subscribe is ever read.
// - At subscribe: a token that expired after the connect is refused like over HTTP
//   (UNAUTHENTICATED with its reason), then the connection is closed.
// - While open: a subscription ended by its subgraph because the token expired or its
//   session was signed out (UNAUTHENTICATED, TOKEN_EXPIRED or SESSION_REVOKED, the last
//   result of each) closes the connection too, since every later subscribe on it would
//   carry the same token.
// SSE has no such channel: there the error is the stream's last event.
const UNAUTHORIZED_CLOSE = 4401;
// Time for the error to reach the caller before the close.
const CLOSE_AFTER_MS = 100;

type WebSocketLike = { close(code: number, reason: string): void; readyState: number };

function socketOf(context: unknown): WebSocketLike | undefined {
  const socket = (context as { socket?: WebSocketLike } | undefined)?.socket;
  return socket && typeof socket.close === 'function' ? socket : undefined;
}

function connectionReason(context: unknown): string {
  const token = connectionToken((context as { connectionParams?: ConnectionParams }).connectionParams);
  if (!token) return 'TOKEN_MISSING';
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return 'TOKEN_EXPIRED';
  } catch {
    // not a JWT at all: invalid
  }
  return 'TOKEN_INVALID';
}

// The reason of the result's UNAUTHENTICATED error, coded for the caller; undefined when
// the result refuses nothing for the token.
function unauthenticated(result: unknown, context: unknown): string | undefined {
  let reason: string | undefined;
  for (const error of ((result as { errors?: PathedError[] } | null)?.errors ?? [])) {
    const status = (error.extensions?.http as { status?: number } | undefined)?.status;
    if (error.extensions?.code !== 'UNAUTHENTICATED' && status !== 401) continue;
    const given = error.extensions?.reason;
    const why = typeof given === 'string' ? given : connectionReason(context);
    const { http: _http, ...rest } = error.extensions ?? {};
    error.extensions = { ...rest, code: 'UNAUTHENTICATED', reason: why };
    reason = why;
  }
  return reason;
}

function closeUnauthorized(socket: WebSocketLike, reason: string): void {
  setTimeout(() => {
    if (socket.readyState === 1) socket.close(UNAUTHORIZED_CLOSE, `Unauthorized: ${reason}`);
  }, CLOSE_AFTER_MS).unref?.();
}

// Why a `connection_init`'s token is refused, or undefined once it verified (the same
// keys and checks as the JWT plugin's).
async function connectRefusal(params: ConnectionParams): Promise<string | undefined> {
  const token = connectionToken(params);
  if (!token) return 'TOKEN_MISSING';
  const decoded = jsonwebtoken.decode(token, { complete: true });
  if (!decoded || typeof decoded === 'string') return 'TOKEN_INVALID';
  let key: string | null;
  try {
    key = ((await checks.signingKey(decoded.header.kid)) as string | null) ?? null;
  } catch {
    key = null;
  }
  if (!key) return 'TOKEN_INVALID';
  return new Promise((resolve) => {
    jsonwebtoken.verify(token, key, checks.verification, (error) => {
      if (!error) resolve(undefined);
      else resolve(error.name === 'TokenExpiredError' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
    });
  });
}

type GuardedSocket = WebSocket & { emit(event: string, ...args: unknown[]): boolean };

// Holds a socket's messages from its `connection_init` until the token is checked: the
// refused are closed 4401, the others are handed to graphql-ws as they came.
function guardConnection(socket: GuardedSocket): void {
  const emit = socket.emit;
  let state: 'first' | 'checking' | 'open' = 'first';
  const held: unknown[][] = [];
  socket.emit = function (this: GuardedSocket, event: string, ...args: unknown[]): boolean {
    if (event !== 'message' || state === 'open') return emit.call(this, event, ...args);
    held.push(args);
    if (state === 'checking') return true;
    let message: { type?: unknown; payload?: unknown } | undefined;
    try {
      message = JSON.parse(String(args[0]));
    } catch {
      message = undefined;
    }
    if (message?.type !== 'connection_init') {
      state = 'open'; // graphql-ws answers what is not a connect as its protocol says
      held.length = 0;
      return emit.call(this, event, ...args);
    }
    state = 'checking';
    void connectRefusal(message.payload as ConnectionParams).then((reason) => {
      if (reason) {
        held.length = 0;
        if (socket.readyState === WebSocket.OPEN) {
          socket.close(UNAUTHORIZED_CLOSE, `Unauthorized: ${reason}`);
        }
        return;
      }
      state = 'open';
      for (const waiting of held.splice(0)) emit.call(socket, 'message', ...waiting);
    });
    return true;
  };
}

const serverEmit = WebSocketServer.prototype.emit;
WebSocketServer.prototype.emit = function (this: WebSocketServer, event: string | symbol, ...args: unknown[]) {
  if (event === 'connection') guardConnection(args[0] as GuardedSocket);
  return serverEmit.call(this, event, ...args);
};

const webSocketTokens = {
  // A subscribe refused before it ran (the token of `connectionParams`).
  onExecutionResult({ result, context }: { result: unknown; context: unknown }): void {
    const socket = socketOf(context);
    if (!socket || (result as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator]) return;
    const reason = unauthenticated(result, context);
    if (reason) closeUnauthorized(socket, reason);
  },
  // A running subscription ended by its subgraph because the token expired.
  onSubscribe({ args }: { args: { contextValue: unknown } }) {
    const socket = socketOf(args.contextValue);
    if (!socket) return undefined;
    return {
      onSubscribeResult() {
        return {
          onNext: ({ result }: { result: unknown }) => {
            const reason = unauthenticated(result, args.contextValue);
            if (reason) closeUnauthorized(socket, reason);
          },
        };
      },
    };
  },
};

// --- Live subscriptions shared by groups ------------------------------------------------
// Callers who subscribed to the same thing with the same rights share one upstream stream
// (live-groups.ts, docs/live-updates.md). LIVE_SHARED_FIELDS names the root fields that
// may be shared (empty: none). The group's stream is opened with an HS256 token the
// gateway signs with JWT_SECRET for the group's claims; without that secret nothing is
// shared. Sessions are checked at IDENTITY_SESSIONS_URL every SESSION_CHECK_SECONDS.
const liveSharedFields = new Set(
  (env.LIVE_SHARED_FIELDS ?? 'staffInbox,clientCard,crmToday')
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean),
);

// At most this many open subscriptions per caller (token subject) in this process; 0: no
// limit (live-limits.ts).
const subscriptionLimit = liveLimits(
  intFromEnv('LIVE_MAX_SUBSCRIPTIONS_PER_CALLER', 256),
  (accept, claims) => languageOf(accept, claims.lang),
);

const sharedSubscriptions = liveGroups({
  fields: liveSharedFields,
  secret: jwtSecret || undefined,
  issuer: env.JWT_ISSUER || undefined,
  audience: env.JWT_AUDIENCE || undefined,
  sessionsUrl: env.IDENTITY_SESSIONS_URL || undefined,
  sessionCheckSeconds: Number(env.SESSION_CHECK_SECONDS) > 0 ? Number(env.SESSION_CHECK_SECONDS) : 5,
  sign: signature,
  signatureHeader: SIGNATURE_HEADER,
  language: (acceptLanguage, claims) => languageOf(acceptLanguage, claims.lang),
  makeRequest: (url, headers, signal) => new fetchAPI.Request(url, { headers, signal }),
});

// What GraphiQL opens with: where the token goes, before the first "Unauthenticated".
const GRAPHIQL_HINT = `# Every operation needs a token: put it in the Headers tab below as
#   { "Authorization": "Bearer <token>" }
# \`make up\` prints one for the demo studio; \`uv run studioctl token --help\` makes others.
{
  studio {
    name
  }
}
`;

const GRAPHIQL_HEADERS = JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2);
type GraphiQLPage = Exclude<Parameters<typeof defineConfig>[0]['graphiql'], boolean | undefined>;

export const gatewayConfig = defineConfig({
  supergraph: () => readFileSync(supergraphPath, 'utf8'),
  // Milliseconds; the CLI refuses less than 10 s.
  pollingInterval: intFromEnv('GATEWAY_POLL_MS', 10_000),
  host: env.GATEWAY_HOST || '127.0.0.1',
  port: intFromEnv('GATEWAY_PORT', 4000),
  fork,

  transportEntries: transportEntries(),

  jwt: jwtOptions(),
  propagateHeaders: {
    // With tracing on, the gateway's own spans carry the W3C trace context on to the
    // subgraphs (and through the outbox to the consumers); with it off, the caller's goes
    // on as it came.
    // Accept-Language: each subgraph answers in the caller's language (docs/contract.md).
    fromClientToSubgraphs: ({ request, context }) => ({
      'accept-language': request.headers.get('accept-language') ?? undefined,
      authorization:
        request.headers.get('authorization') ??
        bearerFromConnection((context as { connectionParams?: ConnectionParams }).connectionParams),
      ...(tracing
        ? {}
        : {
            traceparent: request.headers.get('traceparent') ?? undefined,
            tracestate: request.headers.get('tracestate') ?? undefined,
          }),
    }),
  },
  // Requests to /graphql only: health checks and scrapes would fill the log.
  openTelemetry: tracing
    ? {
        traces: {
          spans: { http: ({ request }) => new URL(request.url).pathname === '/graphql' },
        },
      }
    : undefined,

  // GraphQL multipart request spec, for Upload arguments (client documents, imports).
  multipart: true,

  // gzip or deflate answers for a caller that accepts them (a 35 KB list is about 4.5 KB).
  contentEncoding: true,

  persistedDocuments,

  cors,

  // Unexpected errors (a bug in a gateway plugin, a subgraph that cannot be reached) reach
  // the caller as "Unexpected error." without message or stack; this is Hive Gateway's
  // default and stays on. Errors a subgraph returns in its GraphQL response are passed on
  // as they are: masking those is the subgraph's job.
  maskedErrors: true,

  // Request batching (an array of operations in one HTTP request), capped; 0 turns it off.
  batching: batchLimit > 0 ? { limit: batchLimit } : false,

  disableIntrospection: production ? {} : undefined,
  graphiql: production
    ? false
    : ({
        title: 'Studio graph',
        defaultQuery: GRAPHIQL_HINT,
        headers: GRAPHIQL_HEADERS,
        // Hive Laboratory, the page the gateway serves, opens saved collections rather
        // than a default query: the hint is the first operation of the first one.
        defaultCollections: [
          {
            id: 'start-here',
            name: 'Start here',
            description: 'Where the token goes',
            createdAt: '2026-01-01T00:00:00.000Z',
            operations: [
              {
                id: 'studio',
                name: 'Studio (with a token)',
                description: 'Put a token in the Headers tab, then run',
                createdAt: '2026-01-01T00:00:00.000Z',
                query: GRAPHIQL_HINT,
                variables: '{}',
                headers: GRAPHIQL_HEADERS,
                extensions: '{}',
              },
            ],
          },
        ],
      } as GraphiQLPage),
  landingPage: !production,

  prometheus: {
    endpoint: '/metrics',
    metrics: true,
    labels: { subgraphName: true },
  },
  // /healthcheck (process is up) and /readiness (supergraph loaded) are built in.

  // A subscription's stream from a subgraph lasts as long as the caller keeps it (its
  // token's life at most): the timeout is for queries and mutations only.
  upstreamTimeout: ({ executionRequest }: { executionRequest: { operationType?: string } }) =>
    executionRequest.operationType === 'subscription' ? 0 : upstreamTimeoutMs,

  rateLimiting:
    rateLimit > 0
      ? [
          { type: 'Query', field: '*', max: rateLimit, ttl: 60_000, identifier: RATE_LIMIT_KEY },
          { type: 'Mutation', field: '*', max: rateLimit, ttl: 60_000, identifier: RATE_LIMIT_KEY },
        ]
      : false,

  plugins: () => [
    batchLimitAnswer,
    clientsRoutes,
    notAJwt,
    subgraphSignature,
    varyByOrigin,
    callerErrorCodes,
    webSocketErrors,
    tokenChallenge,
    webSocketTokens,
    subscriptionLimit,
    sharedSubscriptions,
    // Fragments are flattened so that a client using fragments is not punished for it.
    maxDepthPlugin({ n: maxDepth, flattenFragments: true }),
    maxTokensPlugin({ n: maxTokens }),
    maxAliasesPlugin({ n: maxAliases }),
    costLimit,
    // "Did you mean …" suggestions leak the schema when introspection is off.
    ...(production ? [blockFieldSuggestionsPlugin()] : []),
  ],
});
