// Opens a coscors report's index.html from a file URL in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core), checks the matrix
// and that a click shows a cell's side-by-side diff, takes a screenshot,
// and fails on any request other than the page itself.
//
// Usage: node check_html.js REPORT_DIR SCREENSHOT.png
'use strict';
const path = require('path');
const launch = require(path.join(__dirname, '..', 'browser', 'launch.js'));

async function main() {
  const [dir, shot] = process.argv.slice(2);
  const url = 'file://' + path.resolve(dir, 'index.html');
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#matrix tbody tr td.case');
  const targets = await page.$$eval('#matrix thead tr:first-child th', (ths) => ths.slice(2).map((t) => t.textContent));
  const rows = await page.$$eval('#matrix tbody td.case', (tds) => tds.length);
  const cells = await page.$$eval('#matrix tbody td.cell', (tds) => tds.map((t) => t.className.replace('cell ', '')));
  // Click a cell that is not a plain pass if there is one: it has a diff.
  const pick = (await page.$('td.cell.diverges-as-recorded')) || (await page.$('td.cell.fails')) || (await page.$('td.cell.conforms'));
  await pick.click();
  await page.waitForSelector('#detail pre.expected');
  const detail = await page.$eval('#detail', (d) => ({ visible: getComputedStyle(d).display !== 'none', text: d.textContent }));
  const badLines = await page.$$eval('#detail .line.bad', (ls) => ls.length);
  // Filters work: only recorded divergences; only inferred cases.
  await page.selectOption('#f-verdict', 'diverges-as-recorded');
  const filtered = await page.$$eval('#matrix tbody td.case', (tds) => tds.length);
  await page.selectOption('#f-verdict', '');
  await page.selectOption('#f-evidence', 'inferred');
  const inferred = await page.$$eval('#matrix tbody td.case', (tds) => tds.length);
  await page.selectOption('#f-evidence', '');
  await page.screenshot({ path: shot, fullPage: false });
  await browser.close();
  const external = requests.filter((u) => u !== url);
  const out = { targets, rows, cells: cells.length, detail_visible: detail.visible, detail_has_sides: /expected/.test(detail.text) && /observed/.test(detail.text), bad_lines: badLines, filtered_rows: filtered, inferred_rows: inferred, external_requests: external, errors };
  console.log(JSON.stringify(out));
  const ok = rows > 0 && detail.visible && out.detail_has_sides && external.length === 0 && errors.length === 0;
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
