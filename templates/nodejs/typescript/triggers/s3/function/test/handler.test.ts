import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import type { HeadObjectCommand, HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

import { type HeadReader, makeHandler } from '../src/index.js';

// Compiled to dist/test/, three levels below the project's events/.
const event = JSON.parse(
  await readFile(new URL('../../../events/event.json', import.meta.url), 'utf8'),
) as S3Event;
const [first] = event.Records;
assert.ok(first);

type Head = Pick<HeadObjectCommandOutput, 'ContentLength' | 'ContentType'>;

/** An S3 client that answers HeadObject from `heads` (by key) and records what it was asked. */
const fakeS3 = (heads: Record<string, Head>) => {
  const asked: HeadObjectCommand['input'][] = [];
  const s3: HeadReader = {
    send: async (command) => {
      asked.push(command.input);
      const head = heads[command.input.Key ?? ''];
      if (head === undefined) {
        throw Object.assign(new Error('no such object'), { name: 'NotFound' });
      }
      return { ...head, $metadata: {} };
    },
  };
  return { asked, s3 };
};

const textHead = (size: number): Head => ({ ContentLength: size, ContentType: 'text/plain' });

test('logs each object of the sample event with its decoded key', async (t) => {
  const log = t.mock.method(console, 'info', () => {});
  const { asked, s3 } = fakeS3({
    'uploads/hello world.txt': textHead(11),
    'uploads/café.txt': textHead(5),
  });

  await makeHandler(s3)(event);

  assert.deepEqual(asked, [
    { Bucket: 'example-bucket', Key: 'uploads/hello world.txt' },
    { Bucket: 'example-bucket', Key: 'uploads/café.txt' },
  ]);
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [
      ['New object s3://example-bucket/uploads/hello world.txt (11 bytes) of type text/plain'],
      ['New object s3://example-bucket/uploads/café.txt (5 bytes) of type text/plain'],
    ],
  );
});

test('logs what the head says', async (t) => {
  const log = t.mock.method(console, 'info', () => {});
  const head = { ContentLength: 4096, ContentType: 'application/json' };
  const { s3 } = fakeS3({ 'uploads/hello world.txt': head });

  await makeHandler(s3)({ Records: [first] });

  assert.deepEqual(log.mock.calls[0]?.arguments, [
    'New object s3://example-bucket/uploads/hello world.txt (4096 bytes) of type application/json',
  ]);
});

test('an object gone fails the invocation', async () => {
  const { s3 } = fakeS3({});

  await assert.rejects(makeHandler(s3)({ Records: [first] }), { name: 'NotFound' });
});

// An encoded '+' is a plus sign, not a space.
for (const [encoded, key] of [
  ['uploads/1%2B1%3D2.txt', 'uploads/1+1=2.txt'],
  ['uploads/a+b/c%20d', 'uploads/a b/c d'],
] as const) {
  test(`decodes the key ${encoded}`, async (t) => {
    t.mock.method(console, 'info', () => {});
    const object = { ...first.s3.object, key: encoded };
    const { asked, s3 } = fakeS3({ [key]: textHead(0) });

    await makeHandler(s3)({ Records: [{ ...first, s3: { ...first.s3, object } }] });

    assert.deepEqual(asked, [{ Bucket: 'example-bucket', Key: key }]);
  });
}
