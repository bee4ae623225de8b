import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, README_PICTURES, SCREENSHOT_DIR } from './paths';

/** Playwright driving the code-server workbench in Debian's Chromium. */
export class Workbench {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(url: string, workspace: string): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('div.monaco-workbench', { timeout: 60_000 });
    return new Workbench(browser, page);
  }

  async openContainer(title = 'Flake Doctor'): Promise<void> {
    const entry = this.page.locator(`.activitybar [aria-label^="${title}"]`).first();
    await entry.waitFor({ timeout: 60_000 });
    const expanded = await entry.getAttribute('aria-expanded');
    if (expanded !== 'true') await entry.click();
  }

  /** The pane (header + body) of a view, found by its title. */
  view(title: string): Locator {
    return this.page.locator('.pane').filter({ has: this.page.locator(`.pane-header[aria-label^="${title}"]`) });
  }

  async expandView(title: string): Promise<Locator> {
    const view = this.view(title);
    const header = view.locator('.pane-header').first();
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    return view;
  }

  treeItem(view: Locator, label: string): Locator {
    return view
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: label }) })
      .first();
  }

  statusBar(): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar');
  }

  /** Runs an inline action (hover buttons) of a tree row by its title. */
  async inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row.locator(`.action-label[aria-label^="${title}"]`).first().click();
  }

  /**
   * Runs a context-menu action of a tree row. A click can land while the menu is still being
   * laid out (or while the row is re-rendered under it) and be swallowed, leaving the menu
   * open; the menu closing is what shows the action was taken, so the click is repeated until
   * it closes (at most 5 tries).
   */
  async contextMenuAction(row: Locator, label: string): Promise<void> {
    const menu = this.page.locator('.context-view .monaco-menu');
    for (let attempt = 1; ; attempt++) {
      if (!(await menu.isVisible())) await row.click({ button: 'right' });
      const item = this.page.locator('.context-view .action-label', { hasText: label }).first();
      await item.waitFor({ timeout: 15_000 });
      await item.hover();
      await item.click();
      try {
        await menu.waitFor({ state: 'hidden', timeout: 3_000 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  /** An editor tab, by (the start of) its title. */
  editorTab(title: string): Locator {
    return this.page.locator(`.tabs-container .tab[aria-label^="${title}"]`).first();
  }

  /**
   * The text the active editor shows: its rendered lines (the top of a long document, in the
   * order Monaco keeps them in the page, not necessarily the document's). Empty while no editor
   * is rendered (one being replaced on a loaded machine), so a poll tries again.
   */
  async activeEditorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    return ((await lines.textContent({ timeout: 5000 }).catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
  }

  /** Polls until the active editor shows every one of `parts` (see activeEditorText). */
  async waitForEditorText(parts: readonly string[], timeoutMs = 15_000): Promise<void> {
    const missing = async () => {
      const text = await this.activeEditorText();
      return parts.filter((p) => !text.includes(p));
    };
    await expect.poll(missing, { timeout: timeoutMs }).toEqual([]);
  }

  /** Whether the keyboard focus is inside `locator` (a view keeps it when a click previews a document). */
  async hasFocusWithin(locator: Locator): Promise<boolean> {
    // Runs in the page; the test's tsconfig has no DOM types, hence the structural ones.
    return locator.evaluate((el: { ownerDocument: { activeElement: unknown }; contains(n: unknown): boolean }) => el.contains(el.ownerDocument.activeElement));
  }

  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  notifications(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
    await this.page.screenshot({ path, fullPage: true }).catch(() => undefined);
    return path;
  }

  /**
   * A picture for the README: the window (the Flake Doctor views, the status bar), taken while
   * a test has a fault on screen. Always saved with the run's screenshots; with
   * FLAKE_DOCTOR_SCREENSHOTS=1 (`npm run screenshots`) also into media/screenshots/, the
   * committed copy the README shows.
   */
  async readmePicture(name: string): Promise<void> {
    const file = `${name}.png`;
    const targets = [join(SCREENSHOT_DIR, file)];
    if (process.env.FLAKE_DOCTOR_SCREENSHOTS === '1') targets.push(join(README_PICTURES, file));
    for (const path of targets) {
      mkdirSync(dirname(path), { recursive: true });
      await this.page.screenshot({ path }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
