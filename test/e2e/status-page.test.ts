import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/lib/harness.mjs';
import { startAdminServer } from '../../src/admin/server.js';
import type { Reconciler, TargetStatus } from '../../src/reconcile/reconciler.js';
import { createLogger } from '../../src/util/logger.js';
import { NO_HOLD } from '../helpers/removal-hold.js';
import { iid, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// The status page in a real browser (Debian's chromium), against a real daemon: what an operator sees and does.
// `LBM_UPDATE_SCREENSHOT=1` writes the README's screenshot (docs/status-page.png) from the first test.

const TOKEN = 'status-page-token';
const SCREENSHOT = fileURLToPath(new URL('../../docs/status-page.png', import.meta.url));
const web = (n: number): string => `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`;
const row = (id: string): string => `#rows [data-id="${id}"]`;

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Waits until some element matching `selector` shows text matching `pattern`. */
function seen(
  page: Page,
  selector: string,
  pattern: RegExp,
  what = `${selector} ${String(pattern)}`,
): Promise<boolean> {
  return waitFor(what, async () => (await page.locator(selector).allInnerTexts()).some((t) => pattern.test(t)), 30_000);
}

test('status page: members appear as keys are put, a held purge is confirmed with the token, the members go', async () => {
  const s = await startStack({
    lbs: ['web', 'api'],
    tgs: { 'web-tg': { port: 80, targetType: 'ip' } },
    zones: { ZSTATUS: 'example.test' },
    terminated: [iid(999)],
  });
  try {
    // An alias A at the apex, which lbmanager does not own: a conflict when the tree names the apex.
    const cloud = s.fake.state.toJSON();
    cloud.route53.zones?.ZSTATUS?.recordSets?.push({
      name: 'example.test',
      type: 'A',
      aliasTarget: {
        hostedZoneId: 'Z35SXDOTRQ7X7K',
        dnsName: 'lb-1.us-east-1.elb.amazonaws.com.',
        evaluateTargetHealth: false,
      },
    });
    s.fake.state.load(cloud);
    const d = await s.daemon(['--http-token', TOKEN], 'lbm-1.example.internal');
    await waitReady(d);
    await s.putMany([
      ...[1, 2, 3].map((n) => `/lbManager/elb/us-east-1/api/multiple/${iid(100 + n)}`),
      `/lbManager/elb/us-east-1/api/multiple/${iid(999)}`,
      '/lbManager/elb/us-east-1/gone/multiple/i-0123456789abcdef0',
      '/lbManager/elbv2/us-east-1/web-tg/multiple/10.0.0.5:8080',
      '/lbManager/elbv2/us-east-1/web-tg/multiple/10.0.0.6:8080',
      '/lbManager/route53/us-east-1/ZSTATUS/www.example.test/multiple/192.0.2.10',
      '/lbManager/route53/us-east-1/ZSTATUS/www.example.test/multiple/2001:db8::10',
      '/lbManager/route53/us-east-1/ZSTATUS/example.test/multiple/192.0.2.20',
    ]);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Script errors and refusals (a blocked script, say); not failed loads, such as the wrong token's 401 below.
    page.on(
      'console',
      (m) => void (m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && errors.push(m.text())),
    );
    await page.goto(d.adminUrl);
    await seen(page, 'h1', /lbmanager lbm-1\.example\.internal/);
    await seen(page, '.facts', /leader/);
    await seen(page, row('elb/us-east-1/gone'), /failing[\s\S]*LoadBalancerNotFound/);
    await seen(page, row('elb/us-east-1/api'), /rejected[\s\S]*rejected by AWS: i-0+3e7/);
    await seen(page, row('route53/ZSTATUS/example.test'), /conflict[\s\S]*A is held by an alias set/);
    await seen(page, row('elbv2/us-east-1/web-tg'), /in sync[\s\S]*2 desired, 2 in AWS/);

    // A member put in etcd shows up without a reload, in the list of members opened on the page.
    await s.client.put(web(1)).value('');
    await seen(page, row('elb/us-east-1/web'), /in sync[\s\S]*1 desired, 1 in AWS/);
    await page.locator(`${row('elb/us-east-1/web')} button`).click();
    await seen(page, `${row('elb/us-east-1/web')} li`, new RegExp(`${iid(1)} in AWS`));
    await s.putMany(Array.from({ length: 11 }, (_, i) => web(i + 2)));
    await seen(page, `${row('elb/us-east-1/web')} li`, new RegExp(`${iid(12)} in AWS`));
    await seen(page, row('elb/us-east-1/web'), /12 desired, 12 in AWS/);
    assert.deepEqual(errors, [], 'nothing failed in the page');

    // The failing target is listed first; typing in the filter leaves the matching targets.
    const first = await page.locator('#rows > li').first().getAttribute('data-id');
    assert.equal(first, 'elb/us-east-1/gone');
    await page.getByLabel('Filter').fill('web');
    const shownIds =
      "[...document.querySelectorAll('#rows > li')].filter((li) => !li.hidden).map((li) => li.dataset.id)";
    await waitFor(
      'only web targets shown',
      async () => (await page.evaluate(`${shownIds}.join(' ')`)) === 'elb/us-east-1/web elbv2/us-east-1/web-tg',
    );
    await seen(page, '#shown', /showing 2 of 6 targets/);
    await page.getByLabel('Filter').fill('');

    // A purge of web: 12 of 19 managed members would go, so they are held, shown with their count.
    await s.client.delete().prefix('/lbManager/elb/us-east-1/web/');
    await seen(page, '#hold', /Removals wait for confirmation\s+removals held: 12 of 19 managed members/);
    await seen(page, row('elb/us-east-1/web'), /held[\s\S]*12 removals held/);
    await seen(page, `${row('elb/us-east-1/web')} li`, new RegExp(`${iid(3)} in AWS, removal held`));
    assert.equal((await page.locator('#rows > li').first().getAttribute('data-id')) ?? '', 'elb/us-east-1/gone');
    if (process.env.LBM_UPDATE_SCREENSHOT === '1') {
      // Every target in view: the members folded again, nothing focused.
      await page.locator(`${row('elb/us-east-1/web')} button`).click();
      await page.locator(`${row('elb/us-east-1/web')} button`).blur();
      await page.screenshot({ path: SCREENSHOT });
    }

    // On a phone's width the page still fits: nothing to scroll sideways, every state in words.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no sideways scroll');
    assert.ok(await page.locator(`${row('elb/us-east-1/web')} .badge`).isVisible());
    await seen(page, `${row('elb/us-east-1/web')} .badge`, /‖ held/);
    await page.setViewportSize({ width: 1280, height: 800 });

    // A wrong token confirms nothing.
    const token = page.getByLabel('Admin token');
    await token.fill('not-the-token');
    await page.getByRole('button', { name: 'Confirm the held removals' }).click();
    await seen(page, '#confirm-result', /not accepted: nothing was confirmed/);
    assert.equal((await s.members('web')).length, 12, 'nothing removed');

    // The token, typed and sent from the keyboard: confirmed, and the members go.
    await token.focus();
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await seen(page, '#confirm-result', /Confirmed: the held removals go through now/);
    await waitFor('web drained', async () => (await s.members('web')).length === 0);
    // Gone from the tree and from AWS, the load balancer leaves the list; the hold is over.
    await waitFor('web leaves the page', async () => (await page.locator(row('elb/us-east-1/web')).count()) === 0);
    await waitFor('no hold shown', async () => !(await page.locator('#hold').isVisible()));
    assert.equal(await token.inputValue(), '', 'the token is not kept in the page');
    assert.deepEqual(errors, [], 'nothing failed in the page');
    await page.close();
  } finally {
    await s.stop();
  }
});

test('status page: text from the tree and AWS is shown as text, never run as markup', async () => {
  const evil = '<script>window.pwned = 1</script>';
  const img = '<img src=x onerror="window.pwned = 2">';
  const status: TargetStatus = {
    kind: 'elb',
    id: 'elb/us-east-1/web',
    activeClass: 'multiple',
    desired: [evil, img],
    actual: [evil],
    lastSyncAt: Date.now(),
    lastError: { code: '<b>Code</b>', message: `${img} & "quoted" 'text'`, at: Date.now() },
    rejected: [img],
    keptByPolicy: [],
    heldRemovals: [],
    conflicts: [],
  };
  const reconciler = {
    synced: true,
    firstPassDone: true,
    removalHold: NO_HOLD,
    index: { revision: 7n, malformedCount: () => 0 },
    status: () => [status],
    statuses: () => [status].values(),
  } as unknown as Reconciler;
  const admin = await startAdminServer(
    { listen: '127.0.0.1:0', logger: createLogger({ level: 'error' }) },
    {
      reconciler,
      metrics: undefined as never,
      isLeader: () => true,
      lastFullSync: () => Date.now(),
      resyncInterval: 300,
      identity: '<i>replica</i>',
      resync: () => undefined,
    },
  );
  const page = await browser.newPage();
  try {
    await page.goto(admin.url);
    await seen(page, 'h1', /lbmanager <i>replica<\/i>/);
    const tr = row('elb/us-east-1/web');
    await seen(page, tr, /<b>Code<\/b>: <img src=x onerror="window.pwned = 2"> & "quoted" 'text'/);
    await page.locator(`${tr} button`).click();
    await seen(page, `${tr} li`, /^<script>window\.pwned = 1<\/script> in AWS$/);
    await seen(page, `${tr} li`, /^<img src=x onerror="window.pwned = 2"> rejected by AWS$/);
    await page.getByLabel('Filter').fill('<script>');
    await seen(page, '#shown', /showing 1 of 1 target/);
    assert.equal(
      await page.locator('main img, main script, main b:text-is("Code")').count(),
      0,
      'no markup from the data',
    );
    assert.equal(await page.evaluate('window.pwned'), undefined, 'no script from the data ran');
  } finally {
    await page.close();
    await admin.close();
  }
});
