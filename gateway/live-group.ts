// One group of callers sharing a live subscription at the gateway, and its members
// (live-groups.ts groups the callers; docs/live-updates.md, "One upstream stream per
// group"): the group reads the upstream stream once and offers each change to its
// members; a member is the caller's own stream, holding what it was offered beyond the
// position its own STARTED gave, until its token expires or it leaves.
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  getOperationAST,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { Gauge } from 'prom-client';

import { gatewayError, type Language } from './language.ts';

// The fields every update type has; asked under these aliases when the caller did not ask.
export const KIND = '__liveKind';
export const CURSOR = '__liveCursor';
// A group's changes kept for its joining members (those that came while one was starting).
const RING = 1024;
// A member this far behind its group is told to refetch, as a subgraph does.
const MEMBER_QUEUE = 256;
const GROUPS = new Gauge({
  name: 'live_gateway_groups',
  help: 'Upstream subscriptions shared by groups',
});
const MEMBERS = new Gauge({
  name: 'live_gateway_members',
  help: 'Callers following a shared subscription',
});
export type Claims = Record<string, unknown>;
export type Result = ExecutionResult & { errors?: ReadonlyArray<GraphQLError> };
export type Args = ExecutionArgs & { signal?: AbortSignal };
export type SubscribeFn = (
  args: Args,
) => Promise<AsyncIterable<Result> | Result> | AsyncIterable<Result> | Result;
export type Position = Map<string, number>;

// --- Cursors ------------------------------------------------------------------------------
// `topic:partition:next offset` for every partition the subgraph's feed reads, base64url;
// a change's cursor also names its event's partition after a `;` (libs/plumbing live.py).

type Cursor = { positions: Position; event?: string };

export function decodeCursor(cursor: unknown): Cursor | undefined {
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
export type Shape = {
  document: DocumentNode;
  field: string;
  key: string;
  after: 'none' | 'literal' | { variable: string };
};
const shapes = new WeakMap<DocumentNode, Map<string, Shape | null>>();

// The operation's one root field, and the document asking `kind` and `cursor` under the
// gateway's aliases as well.
export function shapeOf(
  document: DocumentNode,
  operationName: string | null | undefined,
  fields: ReadonlySet<string>,
): Shape | null {
  const byName = shapes.get(document) ?? new Map<string, Shape | null>();
  shapes.set(document, byName);
  const known = byName.get(operationName ?? '');
  if (known !== undefined) return known;
  const operation = getOperationAST(document, operationName);
  let shape: Shape | null = null;
  const selections = operation?.selectionSet.selections ?? [];
  const root = selections[0];
  if (
    operation?.operation === 'subscription' &&
    selections.length === 1 &&
    root.kind === Kind.FIELD &&
    fields.has(root.name.value) &&
    root.selectionSet
  ) {
    const alias = (name: string, field: string): FieldNode => ({
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: name },
      name: { kind: Kind.NAME, value: field },
    });
    const widened: FieldNode = {
      ...root,
      selectionSet: {
        ...root.selectionSet,
        selections: [...root.selectionSet.selections, alias(KIND, 'kind'), alias(CURSOR, 'cursor')],
      },
    };
    const rewritten: OperationDefinitionNode = {
      ...operation,
      selectionSet: { ...operation.selectionSet, selections: [widened] },
    };
    const after = root.arguments?.find((argument) => argument.name.value === 'after')?.value;
    shape = {
      document: {
        ...document,
        definitions: document.definitions.map((d) => (d === operation ? rewritten : d)),
      },
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

export function updateOf(result: Result, key: string): Record<string, unknown> | undefined {
  const update = (result.data as Record<string, unknown> | null | undefined)?.[key];
  return update && typeof update === 'object' ? (update as Record<string, unknown>) : undefined;
}

// The result as the caller asked it: without the gateway's two aliases.
export function asAsked(result: Result, key: string): Result {
  const update = updateOf(result, key);
  if (!update || !(KIND in update)) return result;
  const { [KIND]: _kind, [CURSOR]: _cursor, ...asked } = update;
  return { ...result, data: { ...(result.data as object), [key]: asked } };
}

// --- Members ----------------------------------------------------------------------------------

type Entry = { result: Result; cursor?: Cursor; last: boolean };

export class Member implements AsyncIterableIterator<Result> {
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
    this.timer = setTimeout(
      () => this.refuse('TOKEN_EXPIRED'),
      Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())),
    );
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

export class Group {
  readonly members = new Set<Member>();
  pending = 0;
  start: Position | undefined;
  readonly ready: Promise<boolean>;
  private readonly ring: Entry[] = [];
  private readonly dropped: Position = new Map(); // per partition, the furthest change dropped
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
          const cursor =
            update?.[KIND] === 'STARTED' && !value.errors?.length
              ? decodeCursor(update[CURSOR])
              : undefined;
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
    const entry: Entry = {
      result: asAsked(result, this.shape.key),
      cursor: decodeCursor(update?.[CURSOR]),
      last,
    };
    this.lastResult = result;
    this.ring.push(entry);
    if (this.ring.length > RING) {
      const gone = this.ring.shift();
      const cursor = gone?.cursor;
      if (cursor?.event !== undefined) {
        this.dropped.set(
          cursor.event,
          Math.max(this.dropped.get(cursor.event) ?? 0, cursor.positions.get(cursor.event) ?? 0),
        );
      } else if (cursor) {
        for (const [partition, offset] of cursor.positions)
          this.dropped.set(partition, Math.max(this.dropped.get(partition) ?? 0, offset));
      }
    }
    for (const member of this.members) member.offer(entry);
  }

  // Whether a member standing at `position` can follow this group: the group's stream
  // started at or before it, and every change dropped from the ring is one it has.
  covers(position: Position): boolean {
    return (
      !this.closed &&
      this.start !== undefined &&
      notAhead(this.start, position) &&
      notAhead(this.dropped, position)
    );
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
    for (const name of Object.keys(update))
      if (name !== KIND && name !== CURSOR) asked[name] = null;
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

export function isStream(value: unknown): value is AsyncIterable<Result> {
  return typeof (value as AsyncIterable<Result> | null)?.[Symbol.asyncIterator] === 'function';
}

// The caller's own stream, as the caller asked it: `first` (already read), then the rest.
export async function* prepend(
  first: Result | undefined,
  rest: AsyncIterator<Result>,
  key: string,
): AsyncGenerator<Result> {
  try {
    if (first === undefined) return;
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
