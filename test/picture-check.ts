import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/** Where CI and this machine have Chromium (Debian package). */
export const CHROMIUM = '/usr/bin/chromium';

/** `skip` value for tests that need Chromium: false, or the reason. */
export const NEEDS_CHROMIUM: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
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

/** One fault found in a drawn picture. */
export interface PictureProblem {
  kind: 'overlap' | 'outside-node' | 'outside-picture';
  text: string;
  other?: string;
}

/**
 * Load an SVG as the only content of a page, in the browser's real fonts, and
 * check every non-empty `<text>`: no two overlap, none overlaps a legend
 * swatch, none leaves the picture, and text inside a Graphviz node stays
 * inside the node's shape. Optionally saves a screenshot.
 */
export async function checkPicture(page: Page, svg: string, screenshotPath?: string): Promise<PictureProblem[]> {
  const body = svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/, '');
  await page.setContent(`<!doctype html><html><head><style>body{margin:0;background:#fff}svg{display:block}</style></head><body>${body}</body></html>`);
  if (screenshotPath !== undefined) await page.screenshot({ path: screenshotPath, fullPage: true });
  return checkSvgInPage(page, 'svg');
}

/**
 * The same checks for an SVG already in the loaded page (the HTML report's
 * inline pictures, in the report's own styles), found by a CSS selector.
 */
export async function checkSvgInPage(page: Page, selector: string): Promise<PictureProblem[]> {
  // Runs in the page (a string: the project's tsconfig has no DOM types).
  return page.evaluate<PictureProblem[]>(`((selector) => {
    const problems = [];
    const svgElement = document.querySelector(selector);
    if (svgElement === null) return [{ kind: 'outside-picture', text: 'no element matches ' + selector }];
    const frame = svgElement.getBoundingClientRect();
    const EPS = 0.75;
    const texts = [...svgElement.querySelectorAll('text')]
      .filter((element) => (element.textContent ?? '').trim() !== '')
      .map((element) => ({ label: element.textContent ?? '', rect: element.getBoundingClientRect() }));
    const swatches = [...svgElement.querySelectorAll('rect.swatch')].map((element) => ({ label: 'swatch ' + (element.getAttribute('fill') ?? ''), rect: element.getBoundingClientRect() }));
    const overlaps = (a, b) =>
      Math.min(a.right, b.right) - Math.max(a.left, b.left) > EPS && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > EPS;
    const inside = (inner, outer) =>
      inner.left >= outer.left - EPS && inner.right <= outer.right + EPS && inner.top >= outer.top - EPS && inner.bottom <= outer.bottom + EPS;
    /* Glyph boxes include the font's full ascent and descent; text lines of
    // a table or a header sit closer than that. Compare the ink band instead:
    // the middle 70 % of the box height. */
    const band = (rect) => new DOMRect(rect.left, rect.top + rect.height * 0.15, rect.width, rect.height * 0.7);
    for (let i = 0; i < texts.length; i += 1) {
      const a = texts[i];
      if (!inside(a.rect, frame)) problems.push({ kind: 'outside-picture', text: a.label });
      for (let j = i + 1; j < texts.length; j += 1) {
        const b = texts[j];
        if (overlaps(band(a.rect), band(b.rect))) problems.push({ kind: 'overlap', text: a.label, other: b.label });
      }
      for (const swatch of swatches) if (overlaps(band(a.rect), swatch.rect)) problems.push({ kind: 'overlap', text: a.label, other: swatch.label });
    }
    for (const node of svgElement.querySelectorAll('g.node')) {
      const shape = node.querySelector('path, polygon');
      if (shape === null) continue;
      const outline = shape.getBoundingClientRect();
      for (const text of node.querySelectorAll('text')) {
        if ((text.textContent ?? '').trim() === '') continue;
        if (!inside(text.getBoundingClientRect(), outline)) problems.push({ kind: 'outside-node', text: text.textContent ?? '' });
      }
    }
    return problems;
  })(${JSON.stringify(selector)})`);
}
