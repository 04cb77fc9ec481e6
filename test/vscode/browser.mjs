// Debian's Chromium through playwright-core, with the flags that keep it offline and quiet.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium';

/** @param {string} [executablePath] another Chromium (a wrapper that runs it elsewhere, say) */
export function launchBrowser(executablePath = CHROMIUM) {
  return chromium.launch({
    executablePath,
    headless: true,
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
