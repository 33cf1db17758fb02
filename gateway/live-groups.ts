// Live subscriptions shared at the gateway (docs/live-updates.md, "One upstream stream per
// group"). Callers who asked the same thing of the same studio with the same rights (the
// document and variables, tenant, roles, scopes, client card, language: what the
// subgraphs' resolvers read of a caller) form a group. The group holds ONE subscription to
// the subgraph, opened with a token the gateway signs for exactly those claims, and each
// change it brings is executed and parsed once, then written to every member.
//
// What stays each caller's own:
// - the start: a member first opens its own subscription with its own token, so that the
//   subgraph checks it (tenant, role, card) and answers its STARTED (with the state as it
//   stands); that stream is then closed and the member follows the group from the
//   STARTED's cursor on: the group's changes beyond that position, none before it (the
//   group keeps its last changes, so none is lost in between);
// - the token's expiry (a timer per member) and its session (asked of identity every few
//   seconds, as the subgraphs do), each ending that member only with UNAUTHENTICATED
//   (TOKEN_EXPIRED, SESSION_REVOKED), in the member's language.
// Whatever cannot be shared runs as before, one upstream subscription per caller: a
// reconnection with `after`, a field not listed in LIVE_SHARED_FIELDS, a start that is not
// a plain STARTED, a group whose stream cannot cover the member's position.
import jsonwebtoken from 'jsonwebtoken';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { Counter } from 'prom-client';

import { type Language, gatewayError } from './language.ts';
import {
  type Args,
  type Claims,
  decodeCursor,
  Group,
  isStream,
  KIND,
  CURSOR,
  Member,
  prepend,
  type Result,
  type Shape,
  shapeOf,
  type SubscribeFn,
  updateOf,
  asAsked,
} from './live-group.ts';

// Tokens of a group expire together: members whose tokens expire in the same period.
const EXPIRY_PERIOD_SECONDS = 900;
const SESSION_BATCH = 1000;
const REMEMBERED_SESSIONS = 10_000;

const JOINS = new Counter({
  name: 'live_gateway_joins_total',
  help: 'Subscriptions that joined a group, or ran on their own (and why)',
  labelNames: ['outcome'],
});
const SESSION_CHECKS = new Counter({
  name: 'live_gateway_session_checks_total',
  help: 'Calls to identity about the sessions of shared subscriptions',
  labelNames: ['outcome'],
});

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sorted(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String).sort() : [];
}

export type LiveGroupOptions = {
  fields: ReadonlySet<string>; // root fields that may be shared
  secret: string | undefined; // HS256 secret the subgraphs accept; none: nothing is shared
  issuer?: string;
  audience?: string;
  sessionsUrl?: string; // identity's /internal/ended-sessions; none: tokens only
  sessionCheckSeconds: number;
  sign: (method: string, url: string, authorization: string, body: string) => string;
  signatureHeader: string;
  language: (acceptLanguage: string | null, claims: Claims) => Language;
  makeRequest: (url: string, headers: Record<string, string>, signal: AbortSignal) => Request;
};

export function liveGroups(options: LiveGroupOptions) {
  const groups = new Map<string, Group>();
  const sessions = new Map<string, Set<Member>>();
  const ended = new Set<string>();
  const printed = new WeakMap<DocumentNode, string>();

  function watch(member: Member): void {
    if (member.session === undefined) return;
    if (ended.has(member.session)) return member.refuse('SESSION_REVOKED');
    const watchers = sessions.get(member.session) ?? new Set<Member>();
    watchers.add(member);
    sessions.set(member.session, watchers);
    const close = member.onClose;
    member.onClose = () => {
      watchers.delete(member);
      if (watchers.size === 0) sessions.delete(member.session as string);
      close();
    };
  }

  async function checkSessions(): Promise<void> {
    const url = options.sessionsUrl;
    const open = [...sessions.keys()];
    if (!url || open.length === 0) return;
    for (let at = 0; at < open.length; at += SESSION_BATCH) {
      const body = JSON.stringify({ sessions: open.slice(at, at + SESSION_BATCH) });
      try {
        const answer = await fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            [options.signatureHeader]: options.sign('POST', url, '', body),
          },
          signal: AbortSignal.timeout(5000),
        });
        if (!answer.ok) throw new Error(`identity answered ${answer.status}`);
        const found = ((await answer.json()) as { ended?: unknown }).ended;
        for (const session of Array.isArray(found) ? found : []) {
          if (typeof session !== 'string') continue;
          ended.add(session);
          for (const member of [...(sessions.get(session) ?? [])]) member.refuse('SESSION_REVOKED');
        }
        while (ended.size > REMEMBERED_SESSIONS)
          ended.delete(ended.values().next().value as string);
        SESSION_CHECKS.inc({ outcome: 'answered' });
      } catch {
        SESSION_CHECKS.inc({ outcome: 'failed' });
      }
    }
  }
  if (options.sessionsUrl && options.secret) {
    setInterval(() => void checkSessions(), options.sessionCheckSeconds * 1000).unref();
  }

  function groupToken(claims: Claims, expiresAt: number): string {
    const now = Math.floor(Date.now() / 1000);
    const token: Claims = {
      sub: 'gateway:live-group',
      tenant: claims.tenant,
      roles: claims.roles,
      iat: now,
      exp: expiresAt,
    };
    for (const name of ['client_id', 'scopes', 'lang'] as const)
      if (claims[name] !== undefined) token[name] = claims[name];
    if (options.issuer) token.iss = options.issuer;
    if (options.audience) token.aud = options.audience;
    return jsonwebtoken.sign(token, options.secret as string, { algorithm: 'HS256' });
  }

  function openGroup(
    key: string,
    shape: Shape,
    args: Args,
    claims: Claims,
    expiresAt: number,
    subscribe: SubscribeFn,
  ): Group {
    const context = args.contextValue as { request: Request; [name: string]: unknown };
    const abort = new AbortController();
    const headers: Record<string, string> = {
      authorization: `Bearer ${groupToken(claims, expiresAt)}`,
    };
    const language = context.request.headers.get('accept-language');
    if (language) headers['accept-language'] = language;
    const groupContext = {
      ...context,
      request: options.makeRequest(context.request.url, headers, abort.signal),
      connectionParams: undefined,
      socket: undefined,
      jwt: { ...(context.jwt as object), payload: claims },
    };
    const group = new Group(key, shape, abort, (gone) => {
      if (groups.get(gone.key) === gone) groups.delete(gone.key);
    });
    groups.set(key, group);
    void group.run(
      Promise.resolve(
        subscribe({
          ...args,
          document: shape.document,
          contextValue: groupContext,
          signal: abort.signal,
        }),
      ),
    );
    return group;
  }

  async function join(
    subscribe: SubscribeFn,
    args: Args,
    shape: Shape,
    claims: Claims,
  ): Promise<AsyncIterable<Result> | Result> {
    const context = args.contextValue as { request: Request };
    const exp = Number(claims.exp);
    const period = Math.ceil(exp / EXPIRY_PERIOD_SECONDS) * EXPIRY_PERIOD_SECONDS;
    let text = printed.get(args.document);
    if (text === undefined) {
      text = args.document.loc?.source.body ?? stable(args.document);
      printed.set(args.document, text);
    }
    const acceptLanguage = context.request.headers.get('accept-language');
    const key = stable([
      text,
      args.operationName ?? null,
      args.variableValues ?? {},
      claims.tenant,
      sorted(claims.roles),
      claims.client_id ?? null,
      sorted(claims.scopes),
      claims.lang ?? null,
      acceptLanguage,
      period,
    ]);
    const group = groups.get(key) ?? openGroup(key, shape, args, claims, period, subscribe);
    group.pending += 1;
    try {
      if (!(await group.ready)) {
        JOINS.inc({ outcome: 'own_no_group' });
        return await subscribe(args);
      }
      const own = await subscribe({ ...args, document: shape.document });
      if (!isStream(own)) {
        JOINS.inc({ outcome: 'refused' });
        return own;
      }
      const iterator = own[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) return prepend(undefined, iterator, shape.key);
      const update = updateOf(first.value, shape.key);
      const cursor =
        update?.[KIND] === 'STARTED' && !first.value.errors?.length
          ? decodeCursor(update[CURSOR])
          : undefined;
      if (!cursor || !group.covers(cursor.positions)) {
        JOINS.inc({ outcome: cursor ? 'own_not_covered' : 'own_not_started' });
        return prepend(first.value, iterator, shape.key);
      }
      void iterator.return?.()?.catch(() => undefined);
      const member = new Member(
        cursor.positions,
        exp * 1000,
        typeof claims.sid === 'string' ? claims.sid : undefined,
        options.language(acceptLanguage, claims),
        () => group.refetch(),
      );
      member.push(asAsked(first.value, shape.key));
      group.attach(member);
      watch(member);
      JOINS.inc({ outcome: 'joined' });
      return member;
    } finally {
      group.pending -= 1;
      group.closeIfIdle();
    }
  }

  return {
    onSubscribe({
      args,
      subscribeFn,
      setSubscribeFn,
    }: {
      args: Args;
      subscribeFn: SubscribeFn;
      setSubscribeFn: (fn: (args: ExecutionArgs) => unknown) => void;
    }) {
      const interrupted = { onSubscribeResult: () => ({ onNext: coded(args) }) };
      if (!options.secret || options.fields.size === 0) return interrupted;
      const shape = shapeOf(args.document, args.operationName, options.fields);
      if (!shape || shape.after === 'literal') return interrupted;
      if (typeof shape.after === 'object' && args.variableValues?.[shape.after.variable] != null)
        return interrupted;
      const claims = (args.contextValue as { jwt?: { payload?: Claims } }).jwt?.payload;
      if (!claims || typeof claims.exp !== 'number' || typeof claims.tenant !== 'string')
        return interrupted;
      setSubscribeFn((called) => join(subscribeFn, called as Args, shape, claims));
      return interrupted;
    },
  };

  // A stream cut under a running subscription (its subgraph restarted or went away) reaches
  // the caller as an unexpected error: said as what it is, LIVE_UNAVAILABLE, in the
  // caller's language, so that it subscribes again with its last cursor.
  function coded(args: Args) {
    return ({
      result,
      setResult,
    }: {
      result: Result;
      setResult: (result: Result) => void;
    }): void => {
      const errors = result?.errors ?? [];
      const unexpected = errors.find((error) => {
        const code = error.extensions?.code;
        return (
          code === undefined ||
          code === 'INTERNAL_SERVER_ERROR' ||
          code === 'DOWNSTREAM_SERVICE_ERROR'
        );
      });
      if (!unexpected) return;
      const context = args.contextValue as { request?: Request; jwt?: { payload?: Claims } };
      const language = options.language(
        context.request?.headers.get('accept-language') ?? null,
        context.jwt?.payload ?? {},
      );
      const { message, extensions } = gatewayError('LIVE_INTERRUPTED', {}, language);
      setResult({
        data: null,
        errors: [new GraphQLError(message, { path: unexpected.path, extensions })],
      });
    };
  }
}
