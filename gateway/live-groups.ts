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
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  getOperationAST,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { Counter, Gauge } from 'prom-client';

import { gatewayError, type Language } from './language.ts';

// The fields every update type has; asked under these aliases when the caller did not ask.
const KIND = '__liveKind';
const CURSOR = '__liveCursor';
// A group's changes kept for its joining members (those that came while one was starting).
const RING = 1024;
// A member this far behind its group is told to refetch, as a subgraph does.
const MEMBER_QUEUE = 256;
// Tokens of a group expire together: members whose tokens expire in the same period.
const EXPIRY_PERIOD_SECONDS = 900;
const SESSION_BATCH = 1000;
const REMEMBERED_SESSIONS = 10_000;

const GROUPS = new Gauge({ name: 'live_gateway_groups', help: 'Upstream subscriptions shared by groups' });
const MEMBERS = new Gauge({ name: 'live_gateway_members', help: 'Callers following a shared subscription' });
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

type Claims = Record<string, unknown>;
type Result = ExecutionResult & { errors?: ReadonlyArray<GraphQLError> };
type Args = {
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue: unknown;
  signal?: AbortSignal;
  [key: string]: unknown;
};
type SubscribeFn = (args: Args) => Promise<AsyncIterable<Result> | Result> | AsyncIterable<Result> | Result;
type Position = Map<string, number>;

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

// --- Cursors ------------------------------------------------------------------------------
// `topic:partition:next offset` for every partition the subgraph's feed reads, base64url;
// a change's cursor also names its event's partition after a `;` (libs/plumbing live.py).

type Cursor = { positions: Position; event?: string };

function decodeCursor(cursor: unknown): Cursor | undefined {
  if (typeof cursor !== 'string' || !cursor) return undefined;
  try {
    const [entries, event] = Buffer.from(cursor, 'base64url').toString().split(';');
    const positions: Position = new Map();
    for (const entry of entries.split(',').filter(Boolean)) {
      const at = entry.lastIndexOf(':');
      const offset = Number(entry.slice(at + 1));
      if (at < 0 || !Number.isInteger(offset)) return undefined;
      positions.set(entry.slice(0, at), offset);
    }
    return { positions, event: event || undefined };
  } catch {
    return undefined;
  }
}

// True when the change at `cursor` is not part of what a member standing at `position`
// has: its event's partition is beyond that position (every partition, for a cursor that
// does not name one).
function beyond(cursor: Cursor, position: Position): boolean {
  if (cursor.event !== undefined) {
    return (cursor.positions.get(cursor.event) ?? 0) > (position.get(cursor.event) ?? 0);
  }
  for (const [partition, offset] of cursor.positions) {
    if (offset > (position.get(partition) ?? 0)) return true;
  }
  return false;
}

function notAhead(start: Position, position: Position): boolean {
  for (const [partition, offset] of start) {
    if (offset > (position.get(partition) ?? 0)) return false;
  }
  return true;
}

// --- The document ---------------------------------------------------------------------------

// `after`: the root field's cursor argument, when given as a literal (never shared) or as a
// variable (shared when the variable is null).
type Shape = { document: DocumentNode; field: string; key: string; after: 'none' | 'literal' | { variable: string } };
const shapes = new WeakMap<DocumentNode, Map<string, Shape | null>>();

// The operation's one root field, and the document asking `kind` and `cursor` under the
// gateway's aliases as well.
function shapeOf(document: DocumentNode, operationName: string | null | undefined, fields: ReadonlySet<string>): Shape | null {
  const byName = shapes.get(document) ?? new Map<string, Shape | null>();
  shapes.set(document, byName);
  const known = byName.get(operationName ?? '');
  if (known !== undefined) return known;
  const operation = getOperationAST(document, operationName);
  let shape: Shape | null = null;
  const selections = operation?.selectionSet.selections ?? [];
  const root = selections[0];
  if (operation?.operation === 'subscription' && selections.length === 1 && root.kind === Kind.FIELD && fields.has(root.name.value) && root.selectionSet) {
    const alias = (name: string, field: string): FieldNode => ({
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: name },
      name: { kind: Kind.NAME, value: field },
    });
    const widened: FieldNode = {
      ...root,
      selectionSet: { ...root.selectionSet, selections: [...root.selectionSet.selections, alias(KIND, 'kind'), alias(CURSOR, 'cursor')] },
    };
    const rewritten: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: [widened] } };
    const after = root.arguments?.find((argument) => argument.name.value === 'after')?.value;
    shape = {
      document: { ...document, definitions: document.definitions.map((d) => (d === operation ? rewritten : d)) },
      field: root.name.value,
      key: root.alias?.value ?? root.name.value,
      after:
        after === undefined || after.kind === Kind.NULL
          ? 'none'
          : after.kind === Kind.VARIABLE
            ? { variable: after.name.value }
            : 'literal',
    };
  }
  byName.set(operationName ?? '', shape);
  return shape;
}

function updateOf(result: Result, key: string): Record<string, unknown> | undefined {
  const update = (result.data as Record<string, unknown> | null | undefined)?.[key];
  return update && typeof update === 'object' ? (update as Record<string, unknown>) : undefined;
}

// The result as the caller asked it: without the gateway's two aliases.
function asAsked(result: Result, key: string): Result {
  const update = updateOf(result, key);
  if (!update || !(KIND in update)) return result;
  const { [KIND]: _kind, [CURSOR]: _cursor, ...asked } = update;
  return { ...result, data: { ...(result.data as object), [key]: asked } };
}

// --- Members ----------------------------------------------------------------------------------

type Entry = { seq: number; result: Result; cursor?: Cursor; last: boolean };

class Member implements AsyncIterableIterator<Result> {
  private queue: Result[] = [];
  private waiting: ((value: IteratorResult<Result>) => void) | undefined;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  onClose: () => void = () => undefined;

  constructor(
    readonly position: Position,
    readonly expiresAt: number, // ms
    readonly session: string | undefined,
    readonly language: Language,
    private readonly refetch: () => Result,
  ) {
    this.timer = setTimeout(() => this.refuse('TOKEN_EXPIRED'), Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())));
    this.timer.unref?.();
  }

  offer(entry: Entry): void {
    if (this.ended) return;
    if (Date.now() >= this.expiresAt) return this.refuse('TOKEN_EXPIRED');
    if (entry.last) {
      this.push(entry.result);
      return this.end();
    }
    if (entry.cursor !== undefined && !beyond(entry.cursor, this.position)) return;
    if (this.queue.length >= MEMBER_QUEUE) {
      this.queue = [];
      this.push(this.refetch());
      return this.end();
    }
    this.push(entry.result);
  }

  refuse(reason: 'TOKEN_EXPIRED' | 'SESSION_REVOKED'): void {
    if (this.ended) return;
    const id = reason === 'TOKEN_EXPIRED' ? 'LIVE_TOKEN_EXPIRED' : 'LIVE_SESSION_REVOKED';
    const { message, extensions } = gatewayError(id, {}, this.language, { reason });
    this.push({ errors: [new GraphQLError(message, { extensions })] });
    this.end();
  }

  push(result: Result): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: result, done: false });
    } else {
      this.queue.push(result);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.onClose();
    if (this.waiting && this.queue.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Result>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Result>> {
    this.queue = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

// --- Groups -----------------------------------------------------------------------------------

class Group {
  readonly members = new Set<Member>();
  pending = 0;
  start: Position | undefined;
  readonly ready: Promise<boolean>;
  private readonly ring: Entry[] = [];
  private readonly dropped: Position = new Map(); // per partition, the furthest change dropped
  private seq = 0;
  private closed = false;
  private upstream: AsyncIterator<Result> | undefined;
  private lastResult: Result | undefined;
  private setReady!: (ok: boolean) => void;

  constructor(
    readonly key: string,
    private readonly shape: Shape,
    private readonly abort: AbortController,
    private readonly forget: (group: Group) => void,
  ) {
    this.ready = new Promise((resolve) => {
      this.setReady = resolve;
    });
    GROUPS.inc();
  }

  async run(opened: Promise<AsyncIterable<Result> | Result>): Promise<void> {
    try {
      const stream = await opened;
      if (!(Symbol.asyncIterator in Object(stream))) return;
      this.upstream = (stream as AsyncIterable<Result>)[Symbol.asyncIterator]();
      let first = true;
      for (;;) {
        const { value, done } = await this.upstream.next();
        if (done || this.closed) break;
        const update = updateOf(value, this.shape.key);
        if (first) {
          first = false;
          const cursor = update?.[KIND] === 'STARTED' && !value.errors?.length ? decodeCursor(update[CURSOR]) : undefined;
          if (!cursor) break;
          this.start = cursor.positions;
          this.setReady(true);
          continue;
        }
        this.accept(value, update);
      }
    } catch {
      // the stream failed: its members end and reconnect with their cursors
    } finally {
      this.setReady(false);
      this.close();
    }
  }

  private accept(result: Result, update: Record<string, unknown> | undefined): void {
    const last = Boolean(result.errors?.length) || update?.[KIND] !== 'CHANGE';
    const entry: Entry = { seq: ++this.seq, result: asAsked(result, this.shape.key), cursor: decodeCursor(update?.[CURSOR]), last };
    this.lastResult = result;
    this.ring.push(entry);
    if (this.ring.length > RING) {
      const gone = this.ring.shift();
      const cursor = gone?.cursor;
      if (cursor?.event !== undefined) {
        this.dropped.set(cursor.event, Math.max(this.dropped.get(cursor.event) ?? 0, cursor.positions.get(cursor.event) ?? 0));
      } else if (cursor) {
        for (const [partition, offset] of cursor.positions) this.dropped.set(partition, Math.max(this.dropped.get(partition) ?? 0, offset));
      }
    }
    for (const member of this.members) member.offer(entry);
  }

  // Whether a member standing at `position` can follow this group: the group's stream
  // started at or before it, and every change dropped from the ring is one it has.
  covers(position: Position): boolean {
    return !this.closed && this.start !== undefined && notAhead(this.start, position) && notAhead(this.dropped, position);
  }

  attach(member: Member): void {
    this.members.add(member);
    MEMBERS.inc();
    member.onClose = () => this.leave(member);
    for (const entry of this.ring) member.offer(entry);
  }

  // What a member that fell behind is sent last: REFETCH, every other field null.
  refetch(): Result {
    const update = (this.lastResult ? updateOf(this.lastResult, this.shape.key) : undefined) ?? {};
    const asked: Record<string, unknown> = {};
    for (const name of Object.keys(update)) if (name !== KIND && name !== CURSOR) asked[name] = null;
    if ('__typename' in asked) asked.__typename = update.__typename;
    if ('kind' in asked) asked.kind = 'REFETCH';
    if ('cursor' in asked) asked.cursor = update[CURSOR];
    return { data: { [this.shape.key]: asked } };
  }

  leave(member: Member): void {
    if (this.members.delete(member)) MEMBERS.dec();
    this.closeIfIdle();
  }

  closeIfIdle(): void {
    if (this.members.size === 0 && this.pending === 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    GROUPS.dec();
    this.forget(this);
    for (const member of [...this.members]) member.end();
    this.abort.abort();
    void this.upstream?.return?.().catch(() => undefined);
  }
}

// --- The plugin ---------------------------------------------------------------------------------

function isStream(value: unknown): value is AsyncIterable<Result> {
  return typeof (value as AsyncIterable<Result> | null)?.[Symbol.asyncIterator] === 'function';
}

async function* prepend(first: Result, rest: AsyncIterator<Result>, key: string): AsyncGenerator<Result> {
  try {
    yield asAsked(first, key);
    for (;;) {
      const { value, done } = await rest.next();
      if (done) return;
      yield asAsked(value, key);
    }
  } finally {
    await rest.return?.();
  }
}

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
          headers: { 'content-type': 'application/json', [options.signatureHeader]: options.sign('POST', url, '', body) },
          signal: AbortSignal.timeout(5000),
        });
        if (!answer.ok) throw new Error(`identity answered ${answer.status}`);
        const found = ((await answer.json()) as { ended?: unknown }).ended;
        for (const session of Array.isArray(found) ? found : []) {
          if (typeof session !== 'string') continue;
          ended.add(session);
          for (const member of [...(sessions.get(session) ?? [])]) member.refuse('SESSION_REVOKED');
        }
        while (ended.size > REMEMBERED_SESSIONS) ended.delete(ended.values().next().value as string);
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
    const token: Claims = { sub: 'gateway:live-group', tenant: claims.tenant, roles: claims.roles, iat: now, exp: expiresAt };
    for (const name of ['client_id', 'scopes', 'lang'] as const) if (claims[name] !== undefined) token[name] = claims[name];
    if (options.issuer) token.iss = options.issuer;
    if (options.audience) token.aud = options.audience;
    return jsonwebtoken.sign(token, options.secret as string, { algorithm: 'HS256' });
  }

  function openGroup(key: string, shape: Shape, args: Args, claims: Claims, expiresAt: number, subscribe: SubscribeFn): Group {
    const context = args.contextValue as { request: Request; [name: string]: unknown };
    const abort = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${groupToken(claims, expiresAt)}` };
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
    void group.run(Promise.resolve(subscribe({ ...args, document: shape.document, contextValue: groupContext, signal: abort.signal })));
    return group;
  }

  async function join(subscribe: SubscribeFn, args: Args, shape: Shape, claims: Claims): Promise<AsyncIterable<Result> | Result> {
    const context = args.contextValue as { request: Request };
    const exp = Number(claims.exp);
    const period = Math.ceil(exp / EXPIRY_PERIOD_SECONDS) * EXPIRY_PERIOD_SECONDS;
    let text = printed.get(args.document);
    if (text === undefined) {
      text = JSON.stringify(args.document.loc?.source.body ?? stable(args.document));
      printed.set(args.document, text);
    }
    const acceptLanguage = context.request.headers.get('accept-language');
    const key = stable([text, args.operationName ?? null, args.variableValues ?? {}, claims.tenant, sorted(claims.roles), claims.client_id ?? null, sorted(claims.scopes), claims.lang ?? null, acceptLanguage, period]);
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
      if (first.done) return own;
      const update = updateOf(first.value, shape.key);
      const cursor = update?.[KIND] === 'STARTED' && !first.value.errors?.length ? decodeCursor(update[CURSOR]) : undefined;
      if (!cursor || !group.covers(cursor.positions)) {
        JOINS.inc({ outcome: cursor ? 'own_not_covered' : 'own_not_started' });
        return prepend(first.value, iterator, shape.key);
      }
      void iterator.return?.()?.catch(() => undefined);
      const member = new Member(cursor.positions, exp * 1000, typeof claims.sid === 'string' ? claims.sid : undefined, options.language(acceptLanguage, claims), () => group.refetch());
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
    onSubscribe({ args, subscribeFn, setSubscribeFn }: { args: Args; subscribeFn: SubscribeFn; setSubscribeFn: (fn: SubscribeFn) => void }) {
      const interrupted = { onSubscribeResult: () => ({ onNext: coded(args) }) };
      if (!options.secret || options.fields.size === 0) return interrupted;
      const shape = shapeOf(args.document, args.operationName, options.fields);
      if (!shape || shape.after === 'literal') return interrupted;
      if (typeof shape.after === 'object' && args.variableValues?.[shape.after.variable] != null) return interrupted;
      const claims = (args.contextValue as { jwt?: { payload?: Claims } }).jwt?.payload;
      if (!claims || typeof claims.exp !== 'number' || typeof claims.tenant !== 'string') return interrupted;
      setSubscribeFn((called) => join(subscribeFn, called, shape, claims));
      return interrupted;
    },
  };

  // A stream cut under a running subscription (its subgraph restarted or went away) reaches
  // the caller as an unexpected error: said as what it is, LIVE_UNAVAILABLE, in the
  // caller's language, so that it subscribes again with its last cursor.
  function coded(args: Args) {
    return ({ result, setResult }: { result: Result; setResult: (result: Result) => void }): void => {
      const errors = result?.errors ?? [];
      const unexpected = errors.find((error) => {
        const code = error.extensions?.code;
        return code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'DOWNSTREAM_SERVICE_ERROR';
      });
      if (!unexpected) return;
      const context = args.contextValue as { request?: Request; jwt?: { payload?: Claims } };
      const language = options.language(context.request?.headers.get('accept-language') ?? null, context.jwt?.payload ?? {});
      const { message, extensions } = gatewayError('LIVE_INTERRUPTED', {}, language);
      setResult({ data: null, errors: [new GraphQLError(message, { path: unexpected.path, extensions })] });
    };
  }
}
