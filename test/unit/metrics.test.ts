import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../src/admin/metrics.js';
import { parsePrometheusText } from '../helpers/prometheus.js';

test("/metrics: lbmanager's own families are lbmanager_*, process and Node metrics keep their standard names", async () => {
  const samples = parsePrometheusText(await new Metrics().registry.metrics());
  const names = [...new Set(samples.map((s) => s.name))];
  assert.deepEqual(
    names.filter((n) => /(^|_)(\w+)_\2_/.test(n) || n.includes('process_process')),
    [],
    'no doubled prefix (lbmanager_process_process_…)',
  );
  for (const name of names) {
    assert.match(name, /^(lbmanager|process|nodejs)_/, `${name}: lbmanager_*, or a standard process_*/nodejs_* name`);
  }
  for (const standard of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
  ]) {
    assert.ok(names.includes(standard), `${standard} is exported under its standard name`);
  }
});
