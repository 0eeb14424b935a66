import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { handler } from '../src/index.js';

const load = async (file) =>
  JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

test('runs the job of the sample input', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await handler(await load('event.json'));

  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [['Running hourly-report for 2026-11-27T12:00:00Z']],
  );
});

test('fails on an input without a job', async (t) => {
  const log = t.mock.method(console, 'info', () => {});

  await assert.rejects(handler(await load('failure.json')), TypeError);

  assert.equal(log.mock.callCount(), 0);
});

test('fails on an input with an empty job', async () => {
  const input = await load('event.json');

  await assert.rejects(handler({ ...input, job: '' }), TypeError);
});
