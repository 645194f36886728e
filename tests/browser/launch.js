// Headless Chromium as this machine runs it: Debian's /usr/bin/chromium
// (or $CHROMIUM), driven by playwright-core, with the flags that keep it
// off the network (this workplace has none).
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'peers', 'node_modules', 'playwright-core'));

module.exports = function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
};
