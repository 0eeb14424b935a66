import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { handler } from '../src/index.js';

const load = async (file) =>
  JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

test('answers the sample event', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  const answer = await handler(await load('event.json'));

  assert.deepEqual(answer, { message: 'Hello, Lambda!' });
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Greeting Lambda']],
  );
});

test('fails on an event whose name is not a string', async () => {
  await assert.rejects(handler(await load('failure.json')), TypeError);
});

for (const event of [null, 'Lambda', [], {}, { name: '' }]) {
  test(`fails on the event ${JSON.stringify(event)}`, async () => {
    await assert.rejects(handler(event), TypeError);
  });
}
