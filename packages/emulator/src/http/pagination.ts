import { intParam } from './query-params.js';

/** A page of a list: `page` counts from 0, `pageSize` items each. */
export interface Page {
  page: number;
  pageSize: number;
}

/**
 * Reads the `page` (from 0) and `page_size` query parameters of a list endpoint, with the 422s of
 * `intParam` for values that are not integers or are out of bounds.
 */
export function pageParams(query: URLSearchParams, defaultSize: number, maxSize: number): Page {
  return {
    page: intParam(query, 'page', 0, { min: 0 }),
    pageSize: intParam(query, 'page_size', defaultSize, { min: 1, max: maxSize }),
  };
}

/** The items of one page. */
export function pageItems<T>(items: readonly T[], { page, pageSize }: Page): T[] {
  return items.slice(page * pageSize, (page + 1) * pageSize);
}
