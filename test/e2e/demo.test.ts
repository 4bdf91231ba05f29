import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

test('the demo plays every flow and each step converges (demo --once exits 0)', async () => {
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, [DEMO, '--once'], { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  assert.equal(code, 0, out);
  assert.match(out, /every step converged/);
  assert.doesNotMatch(out, /NOT CONVERGED/);
  assert.ok(out.includes(`node:     ${process.version} (${process.execPath})`), 'the demo says which Node it runs on');
  assert.match(out, /www\.example\.test AAAA 2001:db8::10/, 'the IPv6 member showed up as an AAAA set');
  assert.match(
    out,
    /www\.example\.test A 192\.0\.2\.12 weight 2 \(lbm:192\.0\.2\.12\)/,
    'weighted members showed up as sets of their own, with the weight of their key',
  );
  assert.match(
    out,
    /ELBv2 web-tg: +10\.0\.1\.5:80 10\.0\.1\.6:8080 192\.168\.7\.7:8080 \(AvailabilityZone=all\)/,
    'target group members showed up with their ports, the one outside the VPC in zone all',
  );
});
