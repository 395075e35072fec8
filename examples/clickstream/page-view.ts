/** A page view, as the example's input topic `page-views` holds it (JSON, keyed by user). */
export interface PageView {
  user: string;
  page: string;
  /** When the page was viewed (event time, ms since the epoch). */
  ts: number;
}

export const PAGE_VIEWS = 'page-views';
export const VIEWS_PER_MINUTE = 'page-views-per-minute';
export const LATE_VIEWS = 'page-views-late';
export const STORE = 'views-per-minute';
