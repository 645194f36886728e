// Opens a coscors report's index.html from a file URL in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core) and measures what
// a reader sees, at 1600 px and at 420 px, with JavaScript and without:
// the totals and every target column in the viewport, a cell's detail
// beside the matrix (never over a column) or over the page when narrow,
// permalinks that open a cell, the filters, screenshots; and fails on any
// request other than the page itself or any script error.
//
// Usage: node check_html.js REPORT_DIR SHOT_PREFIX
// Writes SHOT_PREFIX-1600.png, -420.png, -nojs-1600.png, -nojs-420.png.
'use strict';
const path = require('path');
const launch = require(path.join(__dirname, '..', 'browser', 'launch.js'));

// Where the totals and the target headers are, against the viewport and
// the open detail (if any).
function layout() {
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const r = (e) => e.getBoundingClientRect();
  const ths = [...document.querySelectorAll('#matrix thead tr:first-child th.t')];
  const open = [...document.querySelectorAll('#details > section')].find((s) => getComputedStyle(s).display !== 'none');
  const d = open ? r(open) : null;
  const totals = r(document.getElementById('totals'));
  // A column is covered when the detail's box overlaps it and is drawn above it.
  const covered = ths.filter((th) => {
    if (!d) return false;
    const b = r(th);
    const overlap = b.right > d.left + 1 && b.left < d.right - 1 && b.bottom > d.top && b.top < d.bottom;
    return overlap && getComputedStyle(document.getElementById('details')).position !== 'fixed';
  }).map((th) => th.textContent);
  return {
    viewport: vw,
    totals_rows: document.querySelectorAll('#totals tbody tr').length,
    totals_visible: totals.left >= 0 && totals.right <= vw + 0.5 && totals.top >= 0 && totals.bottom <= vh && totals.width > 0,
    totals_text: document.getElementById('totals').innerText,
    // In view: inside the viewport both ways (the header row stays on top).
    columns_in_view: ths.filter((th) => { const b = r(th); return b.left >= 0 && b.right <= vw + 0.5 && b.width > 0 && b.top >= 0 && b.bottom <= vh; }).map((th) => th.textContent),
    columns_covered: covered,
    detail_open: open ? open.id : null,
    detail_overlay: open ? getComputedStyle(document.getElementById('details')).position === 'fixed' : null,
    detail_text: open ? open.innerText : '',
    detail_lines_differing: open ? open.querySelectorAll('.sbs del').length : 0,
    horizontal_scroll: document.documentElement.scrollWidth > vw + 0.5,
  };
}

async function main() {
  const [dir, shots] = process.argv.slice(2);
  const url = 'file://' + path.resolve(dir, 'index.html');
  const browser = await launch.playwrightChromium();
  const requests = [];
  const errors = [];
  const page = async (width, js) => {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: js });
    const p = await ctx.newPage();
    p.on('request', (r) => requests.push(r.url().split('#')[0]));
    p.on('pageerror', (e) => errors.push(String(e)));
    return p;
  };
  const out = { sizes: {}, errors };

  // With JavaScript, wide: click a cell that differs; its detail opens
  // beside the matrix and the address is its permalink.
  let p = await page(1600, true);
  await p.goto(url);
  out.targets = await p.$$eval('#matrix thead tr:first-child th.t', (ths) => ths.map((t) => t.textContent));
  out.rows = await p.$$eval('#matrix tbody td.case', (tds) => tds.length);
  out.before = await p.evaluate(layout);
  const pick = (await p.$('td.cell.diverges-as-recorded a')) || (await p.$('td.cell.fails a'));
  await pick.click();
  out.hash = await p.evaluate(() => location.hash);
  out.wide = await p.evaluate(layout);
  await p.screenshot({ path: `${shots}-1600.png` });
  // Filters: only recorded divergences; only inferred cases.
  const visible = () => p.$$eval('#matrix tbody tr:not(.group)', (rs) => rs.filter((r) => !r.hidden).length);
  await p.selectOption('#f-verdict', 'diverges-as-recorded');
  out.filtered_rows = await visible();
  await p.selectOption('#f-verdict', '');
  await p.selectOption('#f-evidence', 'inferred');
  out.inferred_rows = await visible();
  await p.selectOption('#f-evidence', '');
  // A conforming cell (no link in the static page) gets its detail and
  // its permalink on a click.
  await (await p.$('td.cell.conforms')).click();
  out.conforming_hash = await p.evaluate(() => location.hash);
  out.conforming_detail = (await p.evaluate(layout)).detail_text;
  await p.close();

  // A permalink opens its cell in a fresh page (JavaScript on).
  p = await page(1600, true);
  await p.goto(url + out.hash);
  out.permalink = await p.evaluate(layout);
  await p.close();

  // Narrow, with JavaScript: totals and every target column in view; a
  // detail covers the page (it has a close link back).
  p = await page(420, true);
  await p.goto(url);
  out.narrow = await p.evaluate(layout);
  await p.screenshot({ path: `${shots}-420.png` });
  await (await p.$('td.cell.diverges-as-recorded a, td.cell.fails a')).click();
  out.narrow_detail = await p.evaluate(layout);
  await p.click('#close');
  out.narrow_closed = await p.evaluate(layout);
  await p.close();

  // Without JavaScript: the same table, and a permalink opens its detail
  // (CSS :target), wide and narrow.
  for (const width of [1600, 420]) {
    p = await page(width, false);
    await p.goto(url + out.hash);
    const l = await p.evaluate(layout);
    l.rows = await p.$$eval('#matrix tbody td.case', (tds) => tds.length);
    l.targets = await p.$$eval('#matrix thead tr:first-child th.t', (ths) => ths.map((t) => t.textContent));
    l.filters_hidden = await p.$eval('.filters', (f) => getComputedStyle(f).display === 'none');
    out[`nojs_${width}`] = l;
    await p.screenshot({ path: `${shots}-nojs-${width}.png` });
    await p.close();
  }
  await browser.close();
  out.external_requests = [...new Set(requests.filter((u) => u !== url))];
  console.log(JSON.stringify(out));
  process.exit(errors.length === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
