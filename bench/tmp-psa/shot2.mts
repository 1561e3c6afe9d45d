import { chromium } from 'playwright-core';
const f = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
const p = await b.newPage({ viewport: { width: 1100, height: 1400 } });
await p.goto('file://' + f);
const h = await p.evaluate(() => document.body.scrollHeight);
for (let y = 0, i = 0; y < h && i < 8; y += 1400, i++) { await p.evaluate((yy) => window.scrollTo(0, yy), y); await p.screenshot({ path: `/tmp/psa/shot${i}.png` }); }
console.log(h);
await b.close();
