import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { handler } from '../src/index.js';

const load = async (file) =>
  JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

test('greets both messages of the sample event', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  const response = await handler(await load('event.json'));

  assert.deepEqual(response, { batchItemFailures: [] });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Alice!'], ['Hello, Bob!']],
  );
});

test('reports only the message that is not JSON', async (t) => {
  const log = t.mock.method(console, 'info', () => {});
  const errors = t.mock.method(console, 'error', () => {});

  const response = await handler(await load('failure.json'));

  assert.deepEqual(response, {
    batchItemFailures: [{ itemIdentifier: 'c80e8021-a70a-42c7-a470-796e1186f753' }],
  });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Alice!'], ['Hello, Carol!']],
  );
  assert.equal(errors.mock.callCount(), 1);
});

test('throws when every message of the batch failed', async (t) => {
  t.mock.method(console, 'error', () => {});

  await assert.rejects(handler(await load('all-failed.json')), /all 2 messages/);
});

test('reports nothing for an empty batch', async () => {
  assert.deepEqual(await handler({ Records: [] }), { batchItemFailures: [] });
});

test('reports a message whose processing throws anything, not only bad JSON', async (t) => {
  t.mock.method(console, 'error', () => {});
  t.mock.method(console, 'info', (line) => {
    if (line.includes('Bob')) {
      throw new Error('the log sink is down');
    }
  });
  const event = await load('event.json');

  const response = await handler(event);

  assert.deepEqual(response, {
    batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }],
  });
});

for (const body of ['{}', '{"name": ""}', '{"name": 7}', '"Alice"', 'null', '[]']) {
  test(`reports a message whose body is ${body}`, async (t) => {
    t.mock.method(console, 'info', () => {});
    t.mock.method(console, 'error', () => {});
    const [good, bad] = (await load('event.json')).Records;

    const response = await handler({ Records: [good, { ...bad, body }] });

    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: bad.messageId }] });
  });
}
