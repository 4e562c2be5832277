import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (prepare-machine.sh installs it); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests write their screenshots (the README shows copies from apps/console/screenshots). */
export const SCREENSHOTS = path.resolve(__dirname, '../../dist/screenshots');

export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 860 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // As root in a sandboxless container, on a closed network: no sandbox, no background traffic.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Serious and critical accessibility violations (axe-core, WCAG 2.1 A and AA) of the page as it is now. */
export async function seriousViolations(
  page: Page,
): Promise<Array<{ id: string; help: string; nodes: string[] }>> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

/** Errors the page's script threw or logged (an unhandled rejection in the console is a bug). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * The controls of the page that Tab never reaches: every visible, enabled link, button, field and tab stop is
 * marked, then Tab is pressed until each has had the focus (or twice their number has gone by). Radio buttons
 * other than the checked one of their group are left out: arrow keys move within a group, as the pattern asks.
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const total = Number(
    await page.evaluate(`(() => {
      const visible = (e) => {
        const r = e.getBoundingClientRect();
        const s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
      };
      const candidates = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')];
      const controls = candidates.filter((e) =>
        e.tabIndex >= 0 && !e.disabled && visible(e) && !e.closest('[aria-hidden="true"], [inert]') &&
        !(e.type === 'radio' && !e.checked && e.name &&
          document.querySelector('input[type="radio"][name="' + e.name + '"]:checked')));
      document.querySelectorAll('[data-kb]').forEach((e) => e.removeAttribute('data-kb'));
      controls.forEach((e, i) => e.setAttribute('data-kb', String(i)));
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      return controls.length;
    })()`),
  );
  const reached = new Set<string>();
  for (let i = 0; i < total * 2 + 5 && reached.size < total; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(
      'document.activeElement && document.activeElement.getAttribute("data-kb")',
    );
    if (typeof id === 'string') reached.add(id);
  }
  const marked = (await page.evaluate(`[...document.querySelectorAll('[data-kb]')].map((e) => [
      e.getAttribute('data-kb'),
      e.tagName.toLowerCase() + ' "' +
        (e.getAttribute('aria-label') || e.textContent || e.getAttribute('name') || '').trim().slice(0, 40) + '"',
    ])`)) as Array<[string, string]>;
  return marked.filter(([id]) => !reached.has(id)).map(([, label]) => label);
}
