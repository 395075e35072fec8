#!/usr/bin/env node
/**
 * Writes the file-etl example's input: 3,000 orders over one hour as JSON lines in three files,
 * and 40 customers — the same bytes on every run (a seeded PRNG, fixed start time).
 *
 * Usage: node examples/file-etl/generate.mjs [work-dir]
 *   work-dir defaults to examples/file-etl/.out; it is emptied first (input, engine data and
 *   output of a previous run), then <work-dir>/in/ gets orders-1..3.jsonl and customers.jsonl.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ORDERS = 3000;
const CUSTOMERS = 40;
const START_MS = Date.parse('2024-05-01T12:00:00Z');
const HOUR_MS = 3_600_000;

const workDir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.out'));
const inDir = path.join(workDir, 'in');

/** mulberry32: a small seeded PRNG, so the sample is the same everywhere. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(42);
const pick = (items) => items[Math.floor(random() * items.length)];
const TIERS = ['gold', 'silver', 'bronze'];
const COUNTRIES = ['FR', 'DE', 'US', 'JP', 'BR'];
const STATUSES = ['paid', 'paid', 'paid', 'open', 'cancelled'];
const SKUS = ['book', 'lamp', 'chair', 'desk', 'mug', 'pen'];

const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
  id: `c${String(i + 1).padStart(3, '0')}`,
  name: `Customer ${i + 1}`,
  tier: pick(TIERS),
  country: pick(COUNTRIES),
}));

// Times increase through the hour, with a little jitter so files interleave in event time.
const orders = Array.from({ length: ORDERS }, (_, i) => {
  const t = START_MS + Math.floor((i / ORDERS) * HOUR_MS + random() * 20_000);
  return {
    id: `o${String(i + 1).padStart(5, '0')}`,
    customer_id: pick(customers).id,
    status: pick(STATUSES),
    sku: pick(SKUS),
    price: Math.round((1 + random() * 199) * 100) / 100,
    quantity: 1 + Math.floor(random() * 5),
    created_at: new Date(Math.min(t, START_MS + HOUR_MS - 1)).toISOString(),
  };
});

const lines = (records) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(inDir, { recursive: true });
fs.writeFileSync(path.join(inDir, 'customers.jsonl'), lines(customers));
const perFile = Math.ceil(ORDERS / 3);
for (let f = 0; f < 3; f++) fs.writeFileSync(path.join(inDir, `orders-${f + 1}.jsonl`), lines(orders.slice(f * perFile, (f + 1) * perFile)));
const shown = path.relative(process.cwd(), inDir);
process.stdout.write(`generated ${ORDERS} orders and ${CUSTOMERS} customers in ${shown.startsWith('..') ? inDir : shown}\n`);
