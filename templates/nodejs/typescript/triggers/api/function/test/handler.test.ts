import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import type { APIGatewayProxyEvent } from 'aws-lambda';

import { handler } from '../src/index.js';

// Compiled to dist/test/, three levels below the project's events/.
const event = JSON.parse(
  await readFile(new URL('../../../events/event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEvent;

test('answers the sample event', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  const response = await handler(event);

  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.headers, { 'Content-Type': 'application/json' });
  assert.deepEqual(JSON.parse(response.body), { message: 'Hello, Lambda!' });
  assert.equal(log.mock.callCount(), 1);
});

for (const params of [null, {}, { name: '' }]) {
  test(`greets the world when queryStringParameters is ${JSON.stringify(params)}`, async (t) => {
    t.mock.method(console, 'info', () => {});

    const response = await handler({ ...event, queryStringParameters: params });

    assert.deepEqual(JSON.parse(response.body), { message: 'Hello, world!' });
  });
}
