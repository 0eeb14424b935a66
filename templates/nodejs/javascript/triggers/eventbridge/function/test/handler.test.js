import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { handler } from '../src/index.js';

const load = async (file) =>
  JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

test('greets the name of the sample event', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await handler(await load('event.json'));

  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Lambda!']],
  );
});

test('fails on an event whose detail has no name', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await assert.rejects(handler(await load('failure.json')), TypeError);

  assert.equal(log.mock.callCount(), 0);
});

for (const detail of [null, 'Lambda', { name: '' }, { name: 7 }]) {
  test(`fails on the detail ${JSON.stringify(detail)}`, async () => {
    const event = await load('event.json');

    await assert.rejects(handler({ ...event, detail }), TypeError);
  });
}
