import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import type { DynamoDBStreamEvent } from 'aws-lambda';

import { handler } from '../src/index.js';

// Compiled to dist/test/, three levels below the project's events/.
const load = async (file: string): Promise<DynamoDBStreamEvent> =>
  JSON.parse(await readFile(new URL(`../../../events/${file}`, import.meta.url), 'utf8'));

test('processes the insert, the modify and the remove of the sample event', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  const response = await handler(await load('event.json'));

  assert.deepEqual(response, { batchItemFailures: [] });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Alice!'], ['Hello, Alicia!'], ['Removed 2']],
  );
});

test('reports only the record whose name is a number', async (t) => {
  const log = t.mock.method(console, 'info', () => {});
  const errors = t.mock.method(console, 'error', () => {});

  const response = await handler(await load('failure.json'));

  assert.deepEqual(response, {
    batchItemFailures: [{ itemIdentifier: '4421584500000000017450439092' }],
  });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Alice!'], ['Hello, Carol!']],
  );
  assert.equal(errors.mock.callCount(), 1);
});

test('reports an insert without a name', async (t) => {
  t.mock.method(console, 'error', () => {});
  const [insert] = (await load('event.json')).Records;
  assert.ok(insert?.dynamodb);

  const response = await handler({
    Records: [{ ...insert, dynamodb: { ...insert.dynamodb, NewImage: {} } }],
  });

  assert.deepEqual(response, {
    batchItemFailures: [{ itemIdentifier: insert.dynamodb.SequenceNumber }],
  });
});
