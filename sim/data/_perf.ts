import { generateSalesforceDataset, generateHubspotDataset, phoneDigitsKey } from './index.js';
const N = 100_000;
let t = performance.now();
const sf = generateSalesforceDataset({ seed: 7, contacts: N });
console.log('sf layout', (performance.now() - t).toFixed(0));
for (const name of ['Contact', 'Opportunity', 'Task', 'Account'] as const) {
  t = performance.now(); let n = 0; for (const _ of sf[name].values()) n++;
  console.log(name, n, ((performance.now() - t) * 1000 / n).toFixed(2), 'us/rec');
}
t = performance.now();
const hs = generateHubspotDataset({ seed: 7, contacts: N });
console.log('hs layout', (performance.now() - t).toFixed(0));
for (const name of ['contacts', 'deals', 'calls'] as const) {
  t = performance.now(); let n = 0; for (const _ of hs[name].values()) n++;
  console.log(name, n, ((performance.now() - t) * 1000 / n).toFixed(2), 'us/rec');
}
const idx = sf.Contact.createIndex((c) => [phoneDigitsKey(c.Phone as string), phoneDigitsKey(c.MobilePhone as string)]);
t = performance.now(); idx.build(); console.log('index build', (performance.now() - t).toFixed(0), 'ms');
t = performance.now(); for (let i = 0; i < 10000; i++) idx.lookup(String(4155550100 + i)); console.log('10k lookups', (performance.now() - t).toFixed(0), 'ms');
