// `npm run bench`: every benchmark, then bench/results/latest.json, the charts and the tables in bench/README.md.
// `npm run bench -- --quick`: a small B2 only (CI); exits 1 when calls exceed 1.5x the lower bound.
// `npm run bench -- --only b3` runs one benchmark (results are printed, the README is left alone). The status page's
// benchmark (b6) needs chromium and a B1 tree: it is left out of --quick.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { coldStart } from './b1-cold-start.mjs';
import { burst } from './b2-burst.mjs';
import { latency } from './b3-latency.mjs';
import { faults } from './b5-faults.mjs';
import { scale } from './b6-scale.mjs';
import { cliStart } from './b7-cli-start.mjs';
import { statusPage } from './b8-status-page.mjs';
import { groupedBarsLog, histogram, linesLogLog } from './lib/charts.mjs';
import { machine, startBench } from './lib/harness.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const f = (n, digits = 0) =>
  Number(n).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mmm = (s, digits = 0, unit = '') => `${f(s.median, digits)}${unit} (${f(s.min, digits)}–${f(s.max, digits)})`;
const verdict = (ok) => (ok ? 'met' : '**missed**');

// Fewer runs for a quick look (`LBM_BENCH_ROUNDS=1`); the README's figures always come from 5.
const rounds = Number(process.env.LBM_BENCH_ROUNDS ?? 5);
// `--render`: the charts and tables again from results/latest.json, nothing measured (after a change to how they read).
if (args.includes('--render')) {
  await writeResults(JSON.parse(readFileSync(here('results/latest.json'), 'utf8')));
  process.exit(0);
}
const started = Date.now();
const bench = await startBench();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
// The figures depend on the runtime (module loading, GC): say which one measures them. The daemon and the fake endpoint
// run on this same binary (process.execPath): under npm, the project's own Node.
log(`Node ${process.version} (${process.execPath}) for the benchmark, the fake endpoint and the daemon`);

try {
  if (quick) {
    const b2 = await burst(bench, { rounds: 3, quick: true, log });
    const ratios = {
      elb: b2.calls.elb.max / b2.lowerBound.elb,
      route53: b2.calls.route53.max / b2.lowerBound.route53,
    };
    mkdirSync(here('results'), { recursive: true });
    writeFileSync(
      here('results/quick.tmp.json'),
      `${JSON.stringify({ machine: machine(bench), b2, ratios }, null, 2)}\n`,
    );
    const ok = ratios.elb <= 1.5 && ratios.route53 <= 1.5;
    log(
      `quick B2 on Node ${process.version}: worst run ${b2.calls.elb.max} ELB calls (lower bound ${b2.lowerBound.elb}, ${ratios.elb.toFixed(2)}x), ` +
        `${b2.calls.route53.max} Route53 calls (lower bound ${b2.lowerBound.route53}, ${ratios.route53.toFixed(2)}x): ` +
        (ok ? 'within 1.5x' : 'OVER 1.5x'),
    );
    process.exitCode = ok ? 0 : 1;
  } else {
    const want = (name) => !only || only === name;
    const results = { machine: machine(bench) };
    if (want('b1') || want('b4')) results.b1 = await coldStart(bench, { rounds, log });
    if (want('b2')) results.b2 = await burst(bench, { rounds, log });
    if (want('b3')) results.b3 = await latency(bench, { rounds, log });
    if (want('b5')) results.b5 = await faults(bench, { rounds, log });
    if (want('b6')) results.b6 = await scale(bench, { rounds, log });
    if (want('b7')) results.b7 = await cliStart(bench, { runs: 10, log });
    if (want('b8')) results.b8 = await statusPage(bench, { rounds, log });
    results.durationSeconds = Math.round((Date.now() - started) / 1000);
    if (only || rounds < 5) {
      console.log(JSON.stringify(results, (k, v) => (k === 'latencies' ? undefined : v), 2));
    } else {
      await writeResults(results);
      log('wrote bench/results/latest.json, the charts and bench/README.md');
    }
  }
} finally {
  await bench.stop();
}

async function writeResults(r) {
  mkdirSync(here('results'), { recursive: true });
  writeFileSync(here('results/latest.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(
    here('results/b2-calls.svg'),
    groupedBarsLog({
      title: `B2: AWS calls for a burst of ${r.b2.keys.toLocaleString('en')} keys`,
      unit: 'calls',
      series: ['lbmanager (median of 5)', 'lower bound', "original lbManager's pattern"],
      groups: [
        { name: 'Classic ELB', values: [r.b2.calls.elb.median, r.b2.lowerBound.elb, r.b2.original.elb] },
        { name: 'Route53', values: [r.b2.calls.route53.median, r.b2.lowerBound.route53, r.b2.original.route53] },
      ],
    }),
  );
  writeFileSync(
    here('results/b3-latency.svg'),
    histogram({
      title: `B3: put -> register call latency (${r.b3.latencies.length} changes)`,
      unit: 'milliseconds',
      binMs: 5,
      values: r.b3.latencies,
      marks: [
        { label: `p50 ${r.b3.p50Ms.median.toFixed(0)} ms`, value: r.b3.p50Ms.median },
        { label: `p99 ${r.b3.p99Ms.median.toFixed(0)} ms`, value: r.b3.p99Ms.median },
      ],
    }),
  );
  const sizes = r.b6.sizes;
  writeFileSync(
    here('results/b6-scale.svg'),
    linesLogLog({
      title: 'B6: reading and starting on trees of growing size (median of 5)',
      xs: sizes.map((s) => s.keys),
      xUnit: 'member keys',
      yUnit: 'milliseconds',
      series: [
        { name: 'etcdctl get --prefix', values: sizes.map((s) => s.etcdctlReadMs.median) },
        { name: "lbmanager's read", values: sizes.map((s) => s.readMs.median) },
        { name: 'lbmanager ready', values: sizes.map((s) => s.coldStartMs.median) },
      ],
    }),
  );
  writeFileSync(
    here('results/b6-memory.svg'),
    linesLogLog({
      title: "B6: lbmanager's peak RSS by tree size (median of 5)",
      xs: sizes.map((s) => s.keys),
      xUnit: 'member keys',
      yUnit: 'MB',
      series: [
        { name: 'at ready', values: sizes.map((s) => s.peakRssMb.median) },
        { name: 'after 20,000 changes', values: sizes.map((s) => s.churnPeakRssMb.median) },
      ],
    }),
  );
  const readmePath = here('README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const begin = '<!-- results:begin -->';
  const end = '<!-- results:end -->';
  const i = readme.indexOf(begin);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('bench/README.md lacks the results markers');
  const text = `${readme.slice(0, i + begin.length)}\n${tables(r)}\n${readme.slice(j)}`;
  // Formatted as `npm run format:check` wants it, so the results can be committed as they are.
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  writeFileSync(readmePath, await prettier.format(text, { ...options, filepath: readmePath }));
}

/** The results as Markdown tables: median (min–max) of the runs, and each bar met or missed. */
function tables(r) {
  const m = r.machine;
  const lines = [
    `Measured on ${m.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB; runtime Node ${m.node} (the daemon, the fake`,
    `endpoint and the benchmark), etcd ${m.etcd}; etcd, the fake endpoint, the daemon and the benchmark share the machine.`,
    `Figures are median (min–max) of ${r.b1.coldStartMs.runs} runs.`,
    `The whole run took ${Math.round(r.durationSeconds / 60)} minutes.`,
    '',
    '| benchmark | figure | bar | |',
    '| --- | --- | --- | --- |',
    `| B1 cold start, ${f(r.b1.keys)} keys | ${mmm(r.b1.coldStartMs, 0, ' ms')} to /readyz 200, ${f(r.b1.coldStartMs.median / r.b1.etcdReadMs.median, 1)}x the etcd read | ≤ 2x the etcd read (${f(2 * r.b1.etcdReadMs.median)} ms) | ${verdict(r.b1.coldStartMs.median <= 2 * r.b1.etcdReadMs.median)} |`,
    `| B1 etcd read alone (the floor) | ${mmm(r.b1.etcdReadMs, 0, ' ms')} | | |`,
    `| B1 peak RSS | ${mmm(r.b1.peakRssMb, 0, ' MB')} | ≤ 300 MB | ${verdict(r.b1.peakRssMb.median <= 300)} |`,
    `| B1 AWS writes at start | ${r.b1.writesAtStart} | 0 | ${verdict(r.b1.writesAtStart === 0)} |`,
    `| B2 ELB calls, ${f(r.b2.keys)} keys | ${mmm(r.b2.calls.elb)} | ≤ ${f(1.5 * r.b2.lowerBound.elb)} (1.5 x lower bound ${f(r.b2.lowerBound.elb)}; original ${f(r.b2.original.elb)}) | ${verdict(r.b2.calls.elb.median <= 1.5 * r.b2.lowerBound.elb)} |`,
    `| B2 Route53 calls | ${mmm(r.b2.calls.route53)} | ≤ ${f(1.5 * r.b2.lowerBound.route53)} (1.5 x lower bound ${f(r.b2.lowerBound.route53)}; original ${f(r.b2.original.route53)}) | ${verdict(r.b2.calls.route53.median <= 1.5 * r.b2.lowerBound.route53)} |`,
    `| B2 keys written (as fast as etcd takes them) | ${mmm(r.b2.writeSeconds, 1, ' s')} | | |`,
    `| B2 converge, Route53's buckets + 20 ms | ${mmm(r.b2.limited.convergeSeconds, 1, ' s')} from the first put (${mmm(r.b2.limited.afterLastPutSeconds, 1, ' s')} after the last) with ${f(r.b2.limited.route53Calls.median)} Route53 calls making ${f(r.b2.limited.route53Changes.median)} changes; ${f(r.b2.limited.throttled.median)} throttled | ≤ ${f(1.5 * r.b2.limited.floorSeconds.median, 1)} s (1.5 x the ${f(r.b2.limited.floorSeconds.median, 1)} s the buckets allow) | ${verdict(r.b2.limited.convergeSeconds.median <= 1.5 * r.b2.limited.floorSeconds.median)} |`,
    `| B3 latency p50, ${r.b3.changes} changes | ${mmm(r.b3.p50Ms, 1, ' ms')} | ≤ 100 ms | ${verdict(r.b3.p50Ms.median <= 100)} |`,
    `| B3 latency p99 | ${mmm(r.b3.p99Ms, 1, ' ms')} | ≤ 250 ms | ${verdict(r.b3.p99Ms.median <= 250)} |`,
    `| B4 ${f(r.b1.b4.changes)} key changes | ${mmm(r.b1.b4.changesPerSecond, 0, ' changes/s')}; view lag when the writes end ${mmm(r.b1.b4.lagMs, 0, ' ms')} | lag < 1,000 ms | ${verdict(r.b1.b4.lagMs.median < 1000)} |`,
    `| B4 peak RSS | ${mmm(r.b1.b4.peakRssMb, 0, ' MB')}, ${mmm(r.b1.b4.rssRatio, 2, 'x')} B1's (at the end ${mmm(r.b1.b4.endRssMb, 0, ' MB')}) | ≤ 1.2x | ${verdict(r.b1.b4.rssRatio.median <= 1.2)} |`,
    `| B5 converge with 30% throttling, 5% errors | ${mmm(r.b5.convergeSeconds, 1, ' s')}, exact; ${f(r.b5.failedCalls.median)} calls answered with a fault | ≤ ${f(2 * r.b2.limited.convergeSeconds.median, 1)} s (2 x B2) | ${verdict(r.b5.convergeSeconds.median <= 2 * r.b2.limited.convergeSeconds.median)} |`,
    ...r.b6.sizes.flatMap((s) => [
      `| B6 ${f(s.keys)} keys: etcd read | lbmanager ${mmm(s.readMs, 0, ' ms')}; \`etcdctl get --prefix\` ${mmm(s.etcdctlReadMs, 0, ' ms')} | ≤ 1.5x etcdctl | ${verdict(s.readMs.median <= 1.5 * s.etcdctlReadMs.median)} |`,
      `| B6 ${f(s.keys)} keys: ready, peak RSS | ${mmm(s.coldStartMs, 0, ' ms')}; ${mmm(s.peakRssMb, 0, ' MB')} (${mmm(s.churnPeakRssMb, 0, ' MB')} after ${f(r.b6.changes)} changes) | ${s.keys >= 1_000_000 ? '≤ 20,000 ms; ≤ 1,200 MB' : ''} | ${s.keys >= 1_000_000 ? verdict(s.coldStartMs.median <= 20_000 && s.peakRssMb.median <= 1200) : ''} |`,
      `| B6 ${f(s.keys)} keys: view lag, ${f(r.b6.rate)} changes/s | ${mmm(s.lagMs, 0, ' ms')} when the changes end | < 1,000 ms | ${verdict(s.lagMs.median < 1000)} |`,
    ]),
    `| B7 \`lbmanager --version\` | ${mmm(r.b7.versionMs, 0, ' ms')} (${r.b7.versionMs.runs} runs) | ≤ 100 ms | ${verdict(r.b7.versionMs.median <= 100)} |`,
    `| B7 \`lbmanager announce KEY\` to the key in etcd | ${mmm(r.b7.announceMs, 0, ' ms')}; \`etcdctl put\` ${mmm(r.b7.etcdctlPutMs, 0, ' ms')} | ≤ 300 ms | ${verdict(r.b7.announceMs.median <= 300)} |`,
    `| B8 status page, ${f(r.b8.targets)} targets | ${mmm(r.b8.renderMs, 0, ' ms')} from navigation to every target drawn; the page ${f(r.b8.pageBytes / 1024, 1)} KiB, its first event (every target) ${f(r.b8.stateBytes / 2 ** 20, 1)} MiB; a search over them ${mmm(r.b8.filterMs, 0, ' ms')} | ≤ 1,000 ms | ${verdict(r.b8.renderMs.median <= 1000)} |`,
    '',
    '![B2 calls](results/b2-calls.svg)',
    '',
    '![B3 latency](results/b3-latency.svg)',
    '',
    '![B6 scale](results/b6-scale.svg)',
    '',
    '![B6 memory](results/b6-memory.svg)',
  ];
  return lines.join('\n');
}
