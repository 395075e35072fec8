/**
 * Output path templates of the file sink: `{topic}`, `{partition}` and the record timestamp's UTC
 * `{date}` (yyyy-MM-dd), `{year}`, `{month}`, `{day}`, `{hour}`.
 *
 * @example
 *   compilePathTemplate('/data/{topic}/{date}/part-{partition}.log')
 *     .render('orders', 3, Date.UTC(2024, 0, 31, 14)) // '/data/orders/2024-01-31/part-3.log'
 */

export const PLACEHOLDERS = ['topic', 'partition', 'date', 'year', 'month', 'day', 'hour'] as const;

export interface PathTemplate {
  readonly text: string;
  /** True when the path depends on the record timestamp. */
  readonly usesTime: boolean;
  /** Granularity of the time placeholders in ms (1 hour or 1 day; 0 without time). */
  readonly bucketMs: number;
  render(topic: string, partition: number, timestamp: number): string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders in `text` that are not known ones (for config validation). */
export function unknownPlaceholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) out.push(m[0]);
  return out;
}

export function compilePathTemplate(text: string): PathTemplate {
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
  const usesHour = names.includes('hour');
  const usesTime = usesHour || names.some((n) => n === 'date' || n === 'year' || n === 'month' || n === 'day');
  return {
    text,
    usesTime,
    bucketMs: usesHour ? 3_600_000 : usesTime ? 86_400_000 : 0,
    render(topic, partition, timestamp) {
      const iso = usesTime ? new Date(timestamp).toISOString() : '';
      return text.replace(PLACEHOLDER, (whole, name: string) => {
        switch (name) {
          case 'topic':
            return topic;
          case 'partition':
            return String(partition);
          case 'date':
            return iso.slice(0, 10);
          case 'year':
            return iso.slice(0, 4);
          case 'month':
            return iso.slice(5, 7);
          case 'day':
            return iso.slice(8, 10);
          case 'hour':
            return iso.slice(11, 13);
          default:
            return whole;
        }
      });
    },
  };
}
