import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { handler } from '../src/index.js';

const load = async (file) =>
  JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

test('greets the name of the sample notification', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await handler(await load('event.json'));

  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Hello, Lambda!']],
  );
});

test('fails on a message that is not JSON', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await assert.rejects(handler(await load('failure.json')), SyntaxError);

  assert.equal(log.mock.callCount(), 0);
});

for (const message of ['{}', '{"name": ""}', '{"name": 7}', '"Lambda"', 'null']) {
  test(`fails on the message ${message}`, async () => {
    const [record] = (await load('event.json')).Records;

    await assert.rejects(
      handler({ Records: [{ ...record, Sns: { ...record.Sns, Message: message } }] }),
      TypeError,
    );
  });
}
