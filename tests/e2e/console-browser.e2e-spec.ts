import { type Browser, type Page } from 'playwright-core';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { signAcknowledgementToken } from '@alem/notifications';
import { loadConfig, ManualClock, type AppConfig } from '@alem/runtime';
import { consoleDirectory } from '../../apps/admin-api/src/console-files';
import { GENEROUS_LIMITS, seedUser, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import {
  collectPageErrors,
  DESKTOP,
  launchChromium,
  PHONE,
  screenshot,
  seriousViolations,
  unreachableByKeyboard,
} from '../support/browser';
import { asMessage, labResult } from '../support/lab-results';
import {
  enrol,
  freePort,
  rowsOf,
  seedPragueSite,
  seedTeam,
  setOnDuty,
  startNotifierHttp,
  type RunningNotifier,
} from '../support/notifier';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The console in a real browser (Debian's Chromium driven by playwright-core) against the real parts: a
 * critical result in through Kafka, the email it causes, its link opened at phone size, sign-in, the read-back,
 * the acknowledgement and the escalation it stops; another team's clinician, expired, used and altered links;
 * the inbox receiving a new critical without reload; the audit chain verified and found broken; and an
 * accessibility check (axe-core) of every page.
 */
describe('console in a browser', () => {
  // The clock starts now (to the second) and only moves forward: sign-ins stay valid in real time.
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const SITE = 'site-console';
  const MINUTE = 60_000;
  let stack: TestStack;
  let config: AppConfig;
  let notifier: RunningNotifier;
  let api: AdminApi;
  let base: string;
  let browser: Browser;
  let patientId: string;
  let alert: { id: string; reference: string };
  let link: string;

  const ds = () => stack.dataSource;

  async function critical(mrn: string, value: number, observedAt: string) {
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ patient: { id: mrn, authority: 'HOSP' }, value, observedAt })),
    ]);
    return waitFor(
      async () =>
        (
          await rowsOf<{ id: string; reference: string }>(
            ds(),
            `SELECT a.id, a.reference FROM alerts a JOIN patient_identifiers i ON i.patient_id = a.patient_id
             WHERE i.identifier = $1 AND a.rule_id = 'PLT-4'`,
            [mrn],
          )
        )[0],
      { description: `the PLT-4 alert of ${mrn}` },
    );
  }

  async function signedInPage(email: string, viewport = PHONE): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${base}/sign-in`);
    await signIn(page, email);
    await page.waitForURL(`${base}/`);
    return { page, errors };
  }

  async function signIn(page: Page, email: string) {
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    if (!consoleDirectory()) throw new Error('The console is not built: run `npm run build` first');
    stack = await startTestStack({ clock });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    config = loadConfig({ ...stack.env(), ...GENEROUS_LIMITS, PUBLIC_BASE_URL: base });
    await seedPragueSite(ds(), SITE);
    const team = await seedTeam(ds(), SITE, 'MS team', [
      {
        email: 'oncall@console.test',
        displayName: 'Dr. On Call',
        role: 'clinician',
        contacts: [{ channel: 'email', address: 'oncall@console.test' }],
      },
      {
        email: 'colleague@console.test',
        displayName: 'Dr. Colleague',
        role: 'clinician',
        contacts: [{ channel: 'email', address: 'colleague@console.test' }],
      },
    ]);
    await setOnDuty(ds(), team.careTeamId, [team.people['oncall@console.test']!.userId]);
    await seedTeam(ds(), SITE, 'Other team', [
      { email: 'other@console.test', displayName: 'Dr. Other', role: 'clinician' },
    ]);
    for (const email of ['oncall@console.test', 'colleague@console.test', 'other@console.test']) {
      await seedUser(ds(), { email, roles: ['clinician'] });
    }
    await seedUser(ds(), { email: 'admin@console.test', roles: ['admin'] });
    patientId = await enrol(ds(), SITE, team.careTeamId, 'MRN-C1', 'Jana Nováková');
    await enrol(ds(), SITE, team.careTeamId, 'MRN-C2', 'Petra Malá');
    await stack.startProcessor();
    notifier = await startNotifierHttp(config, clock);
    api = await startAdminApi(config, clock);
    await api.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await notifier?.close();
    await stack?.stop();
  });

  it('closes the loop on a phone: email link → sign-in → read-back → acknowledge, and escalation stops', async () => {
    alert = await critical('MRN-C1', 21, new Date(clock.now().getTime() - 2 * 3_600_000).toISOString());
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.to.includes('oncall@console.test'));
    link = /https?:\/\/\S+\/acknowledgements\/[A-Za-z]+/.exec(mail!.text)![0];
    expect(link.startsWith(`${base}/acknowledgements/`)).toBe(true);

    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(link);
    // Not signed in: the sign-in page, which returns to the link afterwards.
    await page.waitForURL(/\/sign-in\?next=%2Facknowledgements%2F/);
    await screenshot(page, 'sign-in-phone');
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, 'oncall@console.test');
    await page.waitForURL(link);
    await page.getByRole('button', { name: 'Acknowledge' }).waitFor();

    // The read-back: the right patient, identifier, birth date and value.
    await page.getByText('Jana Nováková').waitFor();
    await page.getByText('MRN-C1').waitFor();
    expect(await page.getByTestId('read-back-value').innerText()).toMatch(/^21\b/);
    await page.getByText('What the rule asks').waitFor();
    await page.getByRole('figure', { name: /Platelets, last 12 months/ }).waitFor();
    await screenshot(page, 'acknowledge-phone');
    expect(await seriousViolations(page)).toEqual([]);

    // By keyboard: the note, then Tab to the button, then Enter.
    await page.getByLabel('Note (optional)').fill('Repeat CBC ordered; patient called in.');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Acknowledge',
    );
    await page.keyboard.press('Enter');
    await page.getByText(/Escalation has stopped/).waitFor();
    await screenshot(page, 'acknowledged-phone');

    const [row] = await rowsOf<{ state: string; acknowledged_by: string }>(
      ds(),
      `SELECT a.state, u.email AS acknowledged_by FROM alerts a JOIN users u ON u.id = a.acknowledged_by WHERE a.id = $1`,
      [alert.id],
    );
    expect(row).toEqual({ state: 'acknowledged', acknowledged_by: 'oncall@console.test' });
    // The escalation timer is cancelled: past the tier-1 limit, no tier-2 message goes to the colleague.
    clock.advance(16 * MINUTE);
    expect(await notifier.sweep()).toMatchObject({ escalated: 0 });
    expect(stack.smtp.messages.filter((m) => m.to.includes('colleague@console.test'))).toEqual([]);

    // The alert's timeline shows the acknowledgement with who and how, and the email's delivery.
    await page.getByRole('link', { name: 'Open the alert and its timeline' }).click();
    await page.getByRole('region', { name: 'Timeline' }).waitFor();
    const timeline = await page.getByRole('region', { name: 'Timeline' }).innerText();
    expect(timeline).toMatch(/Acknowledged\s+[\s\S]*by Dr\. On Call[\s\S]*via link/);
    expect(timeline).toMatch(/Email to Dr\. On Call: sent/);
    await screenshot(page, 'alert-phone');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says plainly that a used link cannot acknowledge, and offers the alert', async () => {
    const { page } = await signedInPage('oncall@console.test');
    await page.goto(link);
    await screenshot(page, 'used-link-phone');
    await page.getByText('This link cannot acknowledge any more').waitFor();
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await page.getByRole('link', { name: `Open alert ${alert.reference}` }).waitFor();
    await page.context().close();
  });

  it('shows a clinician of another team no patient data', async () => {
    const { page } = await signedInPage('other@console.test');
    await page.goto(link);
    await page.getByText('This alert is not for you').waitFor();
    const text = await page.locator('body').innerText();
    for (const phi of ['Jana', 'Nováková', 'MRN-C1', '1984', '21 ']) expect(text).not.toContain(phi);
    await screenshot(page, 'foreign-link-phone');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('refuses an expired link and an altered one, each in words', async () => {
    const [delivery] = await rowsOf<{ id: string }>(
      ds(),
      `SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.alert_id = $1 LIMIT 1`,
      [alert.id],
    );
    const expired = signAcknowledgementToken(config.notify.ackTokenSecret!, {
      deliveryId: delivery!.id,
      expiresAt: new Date(clock.now().getTime() - MINUTE),
    });
    const { page } = await signedInPage('colleague@console.test');
    await page.goto(`${base}/acknowledgements/${expired}`);
    await page.getByText('This link has expired').waitFor();
    await page.getByRole('link', { name: `Open alert ${alert.reference}` }).waitFor();
    const token = link.split('/').pop()!;
    const altered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    await page.goto(`${base}/acknowledgements/${altered}`);
    await page.getByText('This link is not valid').waitFor();
    await page.context().close();
  });

  it('puts a new critical in the open inbox without a reload', async () => {
    const { page, errors } = await signedInPage('colleague@console.test', DESKTOP);
    await page.getByTestId('inbox-row').first().waitFor();
    const rowsBefore = await page.getByTestId('inbox-row').count();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const second = await critical('MRN-C2', 18, new Date(clock.now().getTime() - 3_600_000).toISOString());
    await page
      .getByRole('link', { name: new RegExp(`alert ${second.reference}`) })
      .waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('inbox-row').count()).toBe(rowsBefore + 1);
    expect(navigations).toEqual([]);
    // Critical and open first.
    expect(await page.getByTestId('inbox-row').first().innerText()).toMatch(/critical[\s\S]*Petra Malá/i);
    await screenshot(page, 'inbox-desktop');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'inbox-phone');
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`${base}/patients/${patientId}`);
    await page.getByText('Jana Nováková').first().waitFor();
    await page.setViewportSize(DESKTOP);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'patient-desktop');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('lets an admin verify the audit chain, and shows a row edited in the database as broken', async () => {
    const { page, errors } = await signedInPage('admin@console.test', DESKTOP);
    await page.goto(`${base}/admin/audit`);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText('Chain intact').waitFor();
    await screenshot(page, 'admin-audit-desktop');
    expect(await seriousViolations(page)).toEqual([]);

    const [victim] = await rowsOf<{ id: string; seq: string }>(
      ds(),
      `SELECT id, seq::text FROM audit_log ORDER BY seq LIMIT 1 OFFSET 2`,
    );
    await ds().query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await ds().query(`UPDATE audit_log SET detail = '{"edited": true}' WHERE id = $1`, [victim!.id]);
    } finally {
      await ds().query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    }
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: `Chain broken at row ${victim!.seq}` })
      .waitFor();
    await screenshot(page, 'admin-audit-broken-desktop');

    expect(errors).toEqual([]);

    // Sign-out ends the session: the next page asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in`);
    await page.goto(`${base}/admin/audit`);
    await page.waitForURL(/\/sign-in\?next=%2Fadmin%2Faudit/);
    await page.context().close();
  });

  it('shows every page at phone and desktop size with no serious accessibility finding and every control on the Tab path', async () => {
    const clinician = await signedInPage('colleague@console.test', DESKTOP);
    const admin = await signedInPage('admin@console.test', DESKTOP);
    const pages: Array<[string, Page, string]> = [
      ['inbox', clinician.page, '/'],
      ['alert', clinician.page, `/alerts/${alert.reference}`],
      ['patient', clinician.page, `/patients/${patientId}`],
      ['overview', admin.page, '/overview'],
      ...['audit', 'dead-letters', 'failed-deliveries', 'feeds', 'teams', 'rule-sets', 'senders'].map(
        (section): [string, Page, string] => [`admin-${section}`, admin.page, `/admin/${section}`],
      ),
    ];
    for (const [name, page, path] of pages) {
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.goto(`${base}${path}`);
        await page.getByRole('heading', { level: 2 }).first().waitFor();
        await page.waitForLoadState('networkidle');
        await screenshot(page, `${name}-${size}`);
        expect({ name, size, violations: await seriousViolations(page) }).toEqual({
          name,
          size,
          violations: [],
        });
        if (size === 'desktop') {
          expect({ name, unreachable: await unreachableByKeyboard(page) }).toEqual({ name, unreachable: [] });
        }
      }
    }
    expect([...clinician.errors, ...admin.errors]).toEqual([]);
    await clinician.page.context().close();
    await admin.page.context().close();
  }, 300_000); // 11 pages at two sizes, each checked by axe and walked by Tab
});
