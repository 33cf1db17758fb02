// The shared live streams' own logic (live-group.ts), without a stack: cursors, which of a
// group's changes a member gets, expiry, and a member that falls behind. The journeys
// through the gateway are tests/e2e/test_live_shared.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parse } from 'graphql';

import {
  type Args,
  CURSOR,
  decodeCursor,
  Group,
  KIND,
  Member,
  type Position,
  type Result,
  shapeOf,
} from '../live-group.ts';

const cursor = (text: string) => Buffer.from(text).toString('base64url');
const at = (entries: Record<string, number>): Position => new Map(Object.entries(entries));

function change(text: string, message: string): Result {
  return { data: { staffInbox: { [KIND]: 'CHANGE', [CURSOR]: cursor(text), message } } };
}

async function* upstream(results: Result[], gate: Promise<void>): AsyncGenerator<Result> {
  yield { data: { staffInbox: { [KIND]: 'STARTED', [CURSOR]: cursor('t:0:5,t:1:3') } } };
  await gate;
  for (const result of results) yield result;
}

async function take(member: Member, count: number): Promise<Result[]> {
  const got: Result[] = [];
  for (let i = 0; i < count; i += 1) {
    const { value, done } = await member.next();
    if (done) break;
    got.push(value);
  }
  return got;
}

const shape = shapeOf(
  parse('subscription { staffInbox { kind } }'),
  undefined,
  new Set(['staffInbox']),
);

test('a cursor names its positions and the partition of its event', () => {
  assert.deepEqual(decodeCursor(cursor('t:0:5,t:1:3;t:1')), {
    positions: at({ 't:0': 5, 't:1': 3 }),
    event: 't:1',
  });
  assert.deepEqual(decodeCursor(cursor('t:0:5')), {
    positions: at({ 't:0': 5 }),
    event: undefined,
  });
  assert.equal(decodeCursor(cursor('t:0:five')), undefined);
  assert.equal(decodeCursor(42), undefined);
});

test('the document asks kind and cursor under the gateway aliases, once per document', () => {
  assert.ok(shape);
  assert.equal(shape.key, 'staffInbox');
  assert.equal(shape.after, 'none');
  const literal = shapeOf(
    parse('subscription { staffInbox(after: "x") { kind } }'),
    undefined,
    new Set(['staffInbox']),
  );
  assert.equal(literal?.after, 'literal');
  const other = shapeOf(
    parse('subscription { factOutcome(eventId: "e") { kind } }'),
    undefined,
    new Set(['staffInbox']),
  );
  assert.equal(other, null);
});

test('a member gets the group changes beyond its own start, once, whichever replica', async () => {
  assert.ok(shape);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const group = new Group('k', shape, new AbortController(), () => undefined);
  void group.run(
    Promise.resolve(
      upstream(
        [
          // Already in the member's start (partition 0 below 7): not for it.
          change('t:0:6,t:1:3;t:0', 'had'),
          // Another replica ahead on partition 1, the event on partition 0 at 7: had too.
          change('t:0:7,t:1:9;t:0', 'had too'),
          change('t:0:8,t:1:9;t:0', 'new on 0'),
          change('t:0:8,t:1:10;t:1', 'new on 1'),
          { data: { staffInbox: { [KIND]: 'REFETCH', [CURSOR]: cursor('t:0:8'), message: null } } },
        ],
        gate,
      ),
    ),
  );
  assert.equal(await group.ready, true);
  const mine = at({ 't:0': 7, 't:1': 8 });
  assert.equal(group.covers(mine), true);
  assert.equal(group.covers(at({ 't:0': 4, 't:1': 3 })), false, 'the group started after it');
  const member = new Member(mine, Date.now() + 60_000, undefined, 'en', () => group.refetch());
  group.attach(member);
  open();
  const got = await take(member, 10);
  const messages = got.map((r) => (r.data?.staffInbox as { message: unknown }).message);
  assert.deepEqual(messages, ['new on 0', 'new on 1', null]);
  assert.ok(!(KIND in (got[0].data?.staffInbox as object)), 'the aliases are not the caller’s');
});

test('a member whose token expired is ended alone, in its language', async () => {
  const member = new Member(at({}), Date.now() - 1, undefined, 'es', () => ({ data: null }));
  member.offer({
    result: change('t:0:9;t:0', 'late'),
    cursor: decodeCursor(cursor('t:0:9;t:0')),
    last: false,
  });
  const [ended] = await take(member, 2);
  const error = ended.errors?.[0];
  assert.equal(error?.extensions.code, 'UNAUTHENTICATED');
  assert.equal(error?.extensions.reason, 'TOKEN_EXPIRED');
  assert.match(error?.message ?? '', /token ha caducado/);
  assert.deepEqual(await member.next(), { value: undefined, done: true });
});

test('a member too far behind is told to refetch and ended', async () => {
  const refetch: Result = { data: { staffInbox: { kind: 'REFETCH' } } };
  const member = new Member(at({}), Date.now() + 60_000, undefined, 'en', () => refetch);
  for (let offset = 1; offset <= 300; offset += 1) {
    const text = `t:0:${offset};t:0`;
    member.offer({
      result: change(text, String(offset)),
      cursor: decodeCursor(cursor(text)),
      last: false,
    });
  }
  const got = await take(member, 400);
  assert.deepEqual(got, [refetch]);
});
