// B8 status page: how big the page is and how long chromium takes to show B1's tree on it. A daemon holds B1's 100,000
// keys (1,000 load balancers and 5,000 DNS names, AWS already matching); the page is loaded `rounds` times, each in a
// fresh browser page: the time from navigation to the first full render drawn (the page's own
// `lbmanager:first-render` mark: the HTML, the first event with every target, parsing and drawing them), against 1 s;
// then how long the first search over them takes to narrow the list.
import { launchChromium } from '../scripts/lib/harness.mjs';
import { clearTree, putAll, resetFake, startDaemon, startBench, summary, waitReady } from './lib/harness.mjs';
import { workload } from './lib/workloads.mjs';

/** The first message of `GET /events`, whose bytes are the state the page starts from. */
async function firstEvent(adminUrl) {
  const reader = (await fetch(`${adminUrl}/events`)).body.getReader();
  const chunks = [];
  // The last byte of the previous chunk: the blank line ending the message may straddle two.
  let tail = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended before its first message');
    const piece = Buffer.from(value);
    chunks.push(piece);
    if ((tail + piece.toString('latin1')).includes('\n\n')) break;
    tail = piece.toString('latin1').slice(-1);
  }
  await reader.cancel();
  const text = Buffer.concat(chunks).toString('utf8');
  return text.slice(0, text.indexOf('\n\n') + 2);
}

/** Runs B8 `rounds` times on one daemon. */
export async function statusPage(bench, { rounds = 5, log = console.log } = {}) {
  const w = workload({ lbs: 1000, perLb: 50, zones: 100, names: 50, ips: 10, tag: 'b1' });
  await clearTree(bench);
  log(`B8: writing ${w.keys.length} keys`);
  await putAll(bench.client, w.keys);
  await resetFake(bench, w.matching);
  const d = await startDaemon(bench, ['--route53-rps', '0']);
  const browser = await launchChromium();
  try {
    await waitReady(d);
    const pageBytes = Buffer.byteLength(await (await fetch(d.adminUrl)).text());
    const first = await firstEvent(d.adminUrl);
    const targets = JSON.parse(first.slice(first.indexOf('data: ') + 6)).targets.length;
    const renderMs = [];
    const filterMs = [];
    for (let r = 0; r < rounds; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(d.adminUrl);
      await page.waitForFunction(() => performance.getEntriesByName('lbmanager:first-render').length > 0, null, {
        timeout: 60_000,
      });
      const ms = await page.evaluate(() => performance.getEntriesByName('lbmanager:first-render')[0].startTime);
      const rows = await page.locator('#rows > li').count();
      if (rows !== targets) throw new Error(`the page shows ${rows} targets of ${targets}`);
      // Then a search over all of them, the page's first (it indexes every member): from the input to the list
      // narrowed to one target and drawn, the page's pause for typing (120 ms) included. Typed through the DOM:
      // playwright's own fill() spends seconds finding the input by its label among 70,000 elements.
      // (A string: it runs in the page, where this file's lint does not know the globals.)
      const filtered = await page.evaluate(`new Promise((resolve) => {
        const input = document.getElementById('filter');
        const shown = document.getElementById('shown');
        const typed = performance.now();
        new MutationObserver((_, observer) => {
          if (!/^showing 1 of/.test(shown.textContent)) return;
          observer.disconnect();
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - typed)));
        }).observe(shown, { childList: true, characterData: true, subtree: true });
        input.value = 'b1-lb-0999';
        input.dispatchEvent(new Event('input'));
      })`);
      await page.close();
      renderMs.push(ms);
      filterMs.push(filtered);
      log(
        `B8 round ${r + 1}: ${rows} targets drawn ${ms.toFixed(0)} ms after navigation; ` +
          `filtered to one in ${filtered.toFixed(0)} ms`,
      );
    }
    log(`B8: the page is ${pageBytes} bytes; its first event, every target, ${Buffer.byteLength(first)} bytes`);
    return {
      targets,
      pageBytes,
      stateBytes: Buffer.byteLength(first),
      renderMs: summary(renderMs),
      filterMs: summary(filterMs),
    };
  } finally {
    await browser.close();
    await d.stop();
    await clearTree(bench);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    console.log(JSON.stringify(await statusPage(bench), null, 2));
  } finally {
    await bench.stop();
  }
}
