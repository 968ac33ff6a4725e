// Headless-browser test of the web page: Debian's chromium driven by playwright-core. The page loads the
// speakers and languages, the <audio> element plays /api/tts/stream while it is still downloading, and a server error is
// shown. Runs only when node_modules/playwright-core and /usr/bin/chromium exist (devDependency
// "playwright-core" and the Debian package "chromium"); otherwise it is skipped with the reason.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { RunningTtsServer } from '../../src/server/server.ts';
import { startFakeServer } from './helpers.ts';

const CHROMIUM = process.env.RIBBIT_CHROMIUM ?? '/usr/bin/chromium';
const PLAYWRIGHT = new URL('../../node_modules/playwright-core/package.json', import.meta.url);
const missing = [
  existsSync(PLAYWRIGHT) ? null : 'node_modules/playwright-core (devDependency "playwright-core")',
  existsSync(CHROMIUM) ? null : `${CHROMIUM} (Debian package "chromium")`,
].filter(Boolean);
const skip = missing.length ? `browser test skipped: missing ${missing.join(' and ')}` : false;

/** The part of playwright-core's API this test uses (typed locally: the package is optional). */
interface Page {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  fill(selector: string, value: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  on(event: 'request', fn: (r: { url(): string }) => void): void;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Chromium {
  launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
}

test('web page: speakers and languages load, audio plays while streaming, errors are shown', {
  skip,
  timeout: 120_000,
}, async () => {
  const specifier = 'playwright-core';
  const { chromium } = (await import(specifier)) as { chromium: Chromium };
  let srv: RunningTtsServer | null = null;
  let browser: Browser | null = null;
  try {
    // Slow enough (60 ms per sentence x 12 sentences) that playback starts long before the stream ends.
    srv = await startFakeServer({ workers: 1, delayMs: 60, languages: ['en', 'de'] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${srv.url}/`);
    await page.waitForFunction("document.querySelectorAll('#speaker option').length === 2", undefined, {
      timeout: 15_000,
    });
    assert.equal(await page.evaluate<string>("document.querySelector('#speaker-box').className"), '');
    assert.match(await page.evaluate<string>("document.querySelector('#status').textContent"), /Model ready/);
    // the languages, the default selected
    assert.equal(await page.evaluate<string>("document.querySelector('#language-box').className"), '');
    assert.deepEqual(
      await page.evaluate<string[]>("[...document.querySelectorAll('#language option')].map((o) => o.value)"),
      ['en', 'de'],
    );
    assert.equal(await page.evaluate<string>("document.querySelector('#language').value"), 'en');

    const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}.`).join(' ');
    await page.fill('#text', text);
    await page.selectOption('#speaker', 'bob');
    await page.selectOption('#language', 'de');
    await page.evaluate<void>(
      "(() => { const s = document.querySelector('#speed'); s.value = '1.5'; s.dispatchEvent(new Event('input')); })()",
    );
    await page.evaluate<void>(
      "(() => { const a = document.querySelector('#player'); window.__played = false; a.addEventListener('playing', () => { window.__played = true; window.__playedAt = performance.now(); }); })()",
    );
    await page.click('#speak');
    await page.waitForFunction('window.__played === true', undefined, { timeout: 30_000 });
    const streamUrl = requests.find((u) => u.includes('/api/tts/stream?'));
    assert.ok(streamUrl, `requests: ${requests.join(', ')}`);
    const q = new URL(streamUrl).searchParams;
    assert.equal(q.get('speaker_id'), 'bob');
    assert.equal(q.get('language_id'), 'de');
    assert.equal(q.get('speed'), '1.5');
    assert.equal(q.get('text'), text);
    // Playback advances.
    await page.waitForFunction("document.querySelector('#player').currentTime > 0.2", undefined, {
      timeout: 30_000,
    });
    assert.match(await page.evaluate<string>("document.querySelector('#status').textContent"), /Playing/);

    // A text the model cannot speak: the page shows the server's message.
    await page.fill('#text', '\u2603\u2603\u2603');
    await page.click('#speak');
    await page.waitForFunction("document.querySelector('#status').className === 'error'", undefined, {
      timeout: 30_000,
    });
    assert.match(
      await page.evaluate<string>("document.querySelector('#status').textContent"),
      /Error 400: .*no symbol this model can speak/,
    );
  } finally {
    await browser?.close();
    await srv?.close();
  }
});
