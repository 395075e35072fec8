/**
 * A synthetic clickstream: page views by a few hundred users over some minutes of event time,
 * mostly in order, some a few seconds out of order (within the grace period), and a few minutes
 * late (after their window closed). Seeded, so a run can be repeated exactly.
 */
import type { PageView } from './page-view.js';

export interface GenerateOptions {
  events: number;
  minutes: number;
  /** Event time of the first view (default 2024-01-01T12:00:00Z). */
  start?: number;
  seed?: number;
}

const PAGES: [string, number][] = [
  ['/', 30],
  ['/products', 20],
  ['/products/42', 12],
  ['/pricing', 10],
  ['/blog/streams-on-rxjs', 8],
  ['/cart', 8],
  ['/checkout', 5],
  ['/about', 4],
  ['/careers', 3],
];

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generatePageViews(options: GenerateOptions): PageView[] {
  const rnd = random(options.seed ?? 42);
  const start = options.start ?? Date.UTC(2024, 0, 1, 12, 0, 0);
  const spanMs = options.minutes * 60_000;
  const totalWeight = PAGES.reduce((s, [, w]) => s + w, 0);
  const pick = (): string => {
    let r = rnd() * totalWeight;
    for (const [page, w] of PAGES) if ((r -= w) < 0) return page;
    return PAGES[0][0];
  };
  const views: PageView[] = [];
  for (let i = 0; i < options.events; i++) {
    const base = start + Math.floor((i / options.events) * spanMs);
    const r = rnd();
    // 3% up to 8 s out of order (within the 10 s grace), 0.5% five minutes late.
    const ts = r < 0.005 ? base - 5 * 60_000 : r < 0.035 ? base - Math.floor(rnd() * 8000) : base;
    views.push({ user: `user-${Math.floor(rnd() * 300)}`, page: pick(), ts: Math.max(start, ts) });
  }
  return views;
}
