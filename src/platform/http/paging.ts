import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/index.js';
import { queryParam } from './query.js';

export interface Paging {
  page: number;
  pageSize: number;
  offset: number;
}

const MAX_PAGE_SIZE = 100;

/** Harbor's `page` (from 1) and `page_size` (default 10, at most 100). */
export function parsePaging(query: unknown): Paging {
  const rawPage = queryParam(query, 'page');
  const rawPageSize = queryParam(query, 'page_size');
  const page = rawPage === undefined ? 1 : Number(rawPage);
  const pageSize = rawPageSize === undefined ? 10 : Number(rawPageSize);
  if (!Number.isInteger(page) || page < 1) throw new ApiError('BAD_REQUEST', 'page must be a positive integer');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ApiError('BAD_REQUEST', `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/** `X-Total-Count` and a `Link` header with the previous and next pages, as Harbor sends them. */
export function setPagingHeaders(request: FastifyRequest, reply: FastifyReply, total: number, paging: Paging): void {
  reply.header('x-total-count', String(total));
  const url = new URL(request.url, 'http://berth.invalid');
  const links: string[] = [];
  const link = (page: number, rel: string) => {
    url.searchParams.set('page', String(page));
    url.searchParams.set('page_size', String(paging.pageSize));
    links.push(`<${url.pathname}${url.search}>; rel="${rel}"`);
  };
  if (paging.page > 1) link(paging.page - 1, 'prev');
  if (paging.offset + paging.pageSize < total) link(paging.page + 1, 'next');
  if (links.length > 0) reply.header('link', links.join(' , '));
}
