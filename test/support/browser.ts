/**
 * Debian's chromium driven by playwright-core for the studio's page tests: headless, sandbox off
 * (containers), kept off the network except the studio on loopback, a fresh profile per launch,
 * WebGL through SwiftShader so the timeline draws without a GPU. Console errors and page errors
 * are collected for the tests to assert on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.RIFFCORD_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  // A page in a background or throttled state would stretch its timers; the tests time audio.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** The browser's own profile folder (its processes carry it on their command lines). */
  profile: string;
  /** Console errors and uncaught page errors, in order. */
  problems: string[];
  close(): Promise<void>;
}

export async function openPage(url: string, o: { viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'riffcord-chromium-'));
  // A persistent context is playwright's way to give chromium a --user-data-dir of our own.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: o.viewport ?? { width: 1000, height: 800 } });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return {
    context,
    page,
    profile,
    problems,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
