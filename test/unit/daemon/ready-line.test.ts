// The daemon's ready line names at most READY_LISTED virtual servers and counts the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listedVirtualServers, READY_LISTED } from '../../../src/daemon/daemon.js';

test('ready line: up to READY_LISTED ids listed whole; beyond, the first ones and how many more', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `[10.0.${i >> 8}.${i & 255}]:tcp:80`);
  assert.deepEqual(listedVirtualServers([]), { virtualServers: [] });
  assert.deepEqual(listedVirtualServers(ids(READY_LISTED)), { virtualServers: ids(READY_LISTED) });
  const big = listedVirtualServers(ids(10000));
  assert.equal(big.virtualServers.length, READY_LISTED);
  assert.deepEqual(big.virtualServers, ids(READY_LISTED));
  assert.equal(big.virtualServersOmitted, 10000 - READY_LISTED);
  assert.ok(JSON.stringify(big).length < 2000);
});
