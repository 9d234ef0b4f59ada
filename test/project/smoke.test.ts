import { expect, test } from 'vitest';
import { parseDuration } from '../../src/policy/duration.ts';
test('node 24 and durations', () => {
  expect(process.versions.node.split('.')[0]).toBe('24');
  expect(parseDuration('1h30m')).toBe(5_400_000);
});
