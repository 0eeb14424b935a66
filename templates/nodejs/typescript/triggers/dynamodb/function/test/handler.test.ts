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

test('stops at the record whose name is a number and reports it and the next', async (t) => {
  const log = t.mock.method(console, 'info', () => {});
  const errors = t.mock.method(console, 'error', () => {});

  const response = await handler(await load('failure.json'));

  assert.deepEqual(response, {
    batchItemFailures: [
      { itemIdentifier: '4421584500000000017450439092' },
      { itemIdentifier: '4421584500000000017450439103' },
    ],
  });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Alice!']],
  );
  assert.equal(errors.mock.callCount(), 1);
});

test('throws when the first record fails, as every record is reported', async (t) => {
  t.mock.method(console, 'error', () => {});

  await assert.rejects(handler(await load('all-failed.json')), /first record failed/);
});

test('reports nothing for an empty batch', async () => {
  assert.deepEqual(await handler({ Records: [] }), { batchItemFailures: [] });
});

test('stops at a record whose processing throws anything, not only a missing name', async (t) => {
  t.mock.method(console, 'error', () => {});
  t.mock.method(console, 'info', (line: string) => {
    if (line.includes('Alicia')) {
      throw new Error('the log sink is down');
    }
  });
  const { Records: records } = await load('event.json');

  const response = await handler({ Records: records });

  assert.deepEqual(response, {
    batchItemFailures: records
      .slice(1)
      .map((later) => ({ itemIdentifier: later.dynamodb?.SequenceNumber })),
  });
});

test('reports a change without a name', async (t) => {
  t.mock.method(console, 'info', () => {});
  t.mock.method(console, 'error', () => {});
  const [first, change] = (await load('event.json')).Records;
  assert.ok(first && change?.dynamodb);

  const response = await handler({
    Records: [first, { ...change, dynamodb: { ...change.dynamodb, NewImage: {} } }],
  });

  assert.deepEqual(response, {
    batchItemFailures: [{ itemIdentifier: change.dynamodb.SequenceNumber }],
  });
});
