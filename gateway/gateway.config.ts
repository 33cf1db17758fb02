// Hive Gateway configuration. Every knob comes from the environment so that the local
// stack, docker compose and Kubernetes run the same file; docs/gateway.md lists them.
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
  type JWTAuthPluginOptions,
} from '@graphql-hive/gateway';
import { openTelemetrySetup } from '@graphql-hive/gateway/opentelemetry/setup';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

const env = process.env;

// The services accept this secret in development only (libs/plumbing settings); the gateway
// must sign-check with the same one or every request fails at one side.
const DEVELOPMENT_JWT_SECRET = 'development-only-secret-change-me-0123456789';

// Same names and defaults as compose.mjs. The committed supergraph carries the defaults;
// these override where each subgraph is reached without recomposing.
const SUBGRAPH_URL_ENV: Record<string, string> = {
  clients: 'CLIENTS_URL',
  ranks: 'RANKS_URL',
  loyalty: 'LOYALTY_URL',
  crm: 'CRM_URL',
  notifications: 'NOTIFICATIONS_URL',
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

function jwtOptions(): JWTAuthPluginOptions {
  const issuer = env.JWT_ISSUER || undefined;
  const audience = env.JWT_AUDIENCE || undefined;
  const common = {
    reject: { missingToken: true, invalidToken: true },
    // The verified claims travel in the subgraph request's `extensions.jwt`; the raw token
    // travels in the Authorization header (propagateHeaders below) so that each subgraph
    // verifies it again rather than trusting the network.
    forward: { payload: true, token: false },
  };
  if (env.JWT_JWKS_URL) {
    return {
      ...common,
      signingKeyProviders: [
        createRemoteJwksSigningKeyProvider({ jwksUri: env.JWT_JWKS_URL, cache: true, rateLimit: true }),
      ],
      tokenVerification: { algorithms: ['RS256'], issuer, audience },
    };
  }
  const secret = env.JWT_SECRET || (production ? '' : DEVELOPMENT_JWT_SECRET);
  if (!secret) {
    throw new Error('JWT_SECRET (or JWT_JWKS_URL) must be set when ENVIRONMENT=production');
  }
  if (production && (secret === DEVELOPMENT_JWT_SECRET || secret.length < 32)) {
    throw new Error('JWT_SECRET must be a real secret of at least 32 characters in production');
  }
  return {
    ...common,
    signingKeyProviders: [createInlineSigningKeyProvider(secret)],
    tokenVerification: { algorithms: ['HS256'], issuer, audience },
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
const PASSED_ON = [
  { method: 'POST', path: (p: string) => p === '/auth/partner-token' },
  { method: 'GET', path: (p: string) => p.startsWith('/documents/') },
];
const PASSED_HEADERS = ['authorization', 'content-type', 'x-request-id'];
const RETURNED_HEADERS = ['content-type', 'content-disposition', 'content-length', 'cache-control'];

function clientsOrigin(): string {
  const clients =
    env.CLIENTS_URL ||
    /@join__graph\(name: "clients", url: "([^"]+)"\)/.exec(readFileSync(supergraphPath, 'utf8'))?.[1];
  if (!clients) throw new Error('the supergraph names no clients subgraph URL; set CLIENTS_URL');
  return new URL(clients).origin;
}

const clientsRoutesOrigin = clientsOrigin();

type RouteHook = {
  request: Request;
  url: URL;
  endResponse(response: Response): void;
};

const clientsRoutes = {
  async onRequest({ request, url, endResponse }: RouteHook): Promise<void> {
    if (!PASSED_ON.some((r) => r.method === request.method && r.path(url.pathname))) return;
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = request.headers.get(name);
      if (value) headers[name] = value;
    }
    try {
      const upstream = await fetch(clientsRoutesOrigin + url.pathname + url.search, {
        method: request.method,
        headers,
        body: request.method === 'POST' ? await request.text() : undefined,
        signal: AbortSignal.timeout(30_000),
      });
      const returned: Record<string, string> = {};
      for (const name of RETURNED_HEADERS) {
        const value = upstream.headers.get(name);
        if (value) returned[name] = value;
      }
      endResponse(new Response(upstream.body, { status: upstream.status, headers: returned }));
    } catch {
      endResponse(Response.json({ error: 'the clients service cannot be reached; try again' }, { status: 503 }));
    }
  },
};

// Every error a caller can fix carries a code. The gateway's own checks leave two kinds
// without one: a variable whose value its type refuses (an unknown enum value, a string
// for an Int) and a missing or invalid token.
const CALLER_ERROR_CODES: Array<[RegExp, string]> = [
  [/^Variable "\$/, 'BAD_USER_INPUT'],
  [/^(Unauthenticated|Invalid (JWT|authentication))/, 'UNAUTHENTICATED'],
];

type CodedError = { message: string; extensions?: Record<string, unknown> };

function withCodes(result: unknown): void {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results) {
    for (const error of ((one as { errors?: CodedError[] } | null)?.errors ?? [])) {
      if (error.extensions?.code) continue;
      const code = CALLER_ERROR_CODES.find(([pattern]) => pattern.test(error.message))?.[1];
      if (code) error.extensions = { ...(error.extensions ?? {}), code };
    }
  }
}

const callerErrorCodes = {
  onResultProcess({ result }: { result: unknown }): void {
    withCodes(result);
  },
};

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
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization') ?? undefined,
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

  // Unexpected errors (a bug in a gateway plugin, a subgraph that cannot be reached) reach
  // the caller as "Unexpected error." without message or stack; this is Hive Gateway's
  // default and stays on. Errors a subgraph returns in its GraphQL response are passed on
  // as they are: masking those is the subgraph's job.
  maskedErrors: true,

  // Request batching (an array of operations in one HTTP request), capped; 0 turns it off.
  batching: batchLimit > 0 ? { limit: batchLimit } : false,

  disableIntrospection: production ? {} : undefined,
  graphiql: !production,
  landingPage: !production,

  prometheus: {
    endpoint: '/metrics',
    metrics: true,
    labels: { subgraphName: true },
  },
  // /healthcheck (process is up) and /readiness (supergraph loaded) are built in.

  upstreamTimeout: intFromEnv('GATEWAY_UPSTREAM_TIMEOUT_MS', 30_000),

  rateLimiting:
    rateLimit > 0
      ? [
          { type: 'Query', field: '*', max: rateLimit, ttl: 60_000, identifier: RATE_LIMIT_KEY },
          { type: 'Mutation', field: '*', max: rateLimit, ttl: 60_000, identifier: RATE_LIMIT_KEY },
        ]
      : false,

  plugins: () => [
    clientsRoutes,
    callerErrorCodes,
    // Fragments are flattened so that a client using fragments is not punished for it.
    maxDepthPlugin({ n: maxDepth, flattenFragments: true }),
    maxTokensPlugin({ n: maxTokens }),
    maxAliasesPlugin({ n: maxAliases }),
    // "Did you mean …" suggestions leak the schema when introspection is off.
    ...(production ? [blockFieldSuggestionsPlugin()] : []),
  ],
});
