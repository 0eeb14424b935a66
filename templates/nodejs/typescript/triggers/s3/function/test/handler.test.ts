import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import type { S3Event } from 'aws-lambda';

import { handler } from '../src/index.js';

// Compiled to dist/test/, three levels below the project's events/.
const event = JSON.parse(
  await readFile(new URL('../../../events/event.json', import.meta.url), 'utf8'),
) as S3Event;

test('logs each object of the sample event with its decoded key', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await handler(event);

  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [
      ['New object s3://example-bucket/uploads/hello world.txt (11 bytes)'],
      ['New object s3://example-bucket/uploads/café.txt (5 bytes)'],
    ],
  );
});

// An encoded '+' is a plus sign, not a space.
for (const [encoded, key] of [
  ['uploads/1%2B1%3D2.txt', 'uploads/1+1=2.txt'],
  ['uploads/a+b/c%20d', 'uploads/a b/c d'],
] as const) {
  test(`decodes the key ${encoded}`, async (t) => {
    const log = t.mock.method(console, 'info', () => {});
    const [record] = event.Records;
    assert.ok(record);
    const object = { ...record.s3.object, key: encoded, size: 0 };

    await handler({ Records: [{ ...record, s3: { ...record.s3, object } }] });

    assert.deepEqual(log.mock.calls[0]?.arguments, [
      `New object s3://example-bucket/${key} (0 bytes)`,
    ]);
  });
}
