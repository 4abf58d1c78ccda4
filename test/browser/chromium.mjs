// Launching Debian's chromium with playwright-core (no browser download: DESIGN.md "Browser").
import fs from 'node:fs';
import {chromium} from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The chromium executable: $CHROMIUM_PATH when set, else Debian's /usr/bin/chromium; null when absent. */
export function findChromium() {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find(candidate => fs.existsSync(candidate)) ?? null;
}

/**
 * Launches chromium headless. playwright gives every launch a fresh temporary profile
 * (--user-data-dir) and deletes it on close. `extraArgs` e.g. ['--js-flags=--no-enable-sse4-1'].
 */
export function launchChromium(executablePath, extraArgs = []) {
  return chromium.launch({executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs], timeout: 30000});
}

/** Records console errors and uncaught page errors of a page (what the tests require to be empty). */
export function watchPage(page) {
  const errors = [];
  const log = [];
  page.on('console', message => {
    log.push(`${message.type()}: ${message.text()}`);
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', error => errors.push(`page error: ${error.message}`));
  return {errors, log};
}
