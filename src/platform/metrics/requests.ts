import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from './metrics.js';

/** The label of requests no route matched: their URLs are anyone's, and must not become series. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface RequestOutcome {
  method: string;
  /** The route pattern (`/v2/:name/manifests/:reference`), never the URL: names stay out of the labels. */
  route: string | undefined;
  status: number;
  seconds: number;
  /** The request body's declared length (0 when chunked or absent). */
  bytesIn: number;
  bytesOut: number;
}

interface Series {
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
  bytesIn: Counter.Internal;
  bytesOut: Counter.Internal;
}

/**
 * Per-request counters, bumped once per request where the request is logged. The labelled
 * children are kept by their labels so a request costs a map lookup, not a label hash.
 */
export class RequestMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly bytesIn: Counter<'method' | 'route'>;
  private readonly bytesOut: Counter<'method' | 'route'>;
  private readonly series = new Map<string, Series>();

  constructor(metrics: Metrics) {
    const labels = ['method', 'route', 'status'] as const;
    this.requests = metrics.counter('berth_http_requests_total', 'HTTP requests answered, by route pattern, method and status code', labels);
    this.duration = metrics.histogram(
      'berth_http_request_duration_seconds',
      'Time from a request arriving to its answer being sent, by route pattern, method and status code',
      labels,
    );
    this.bytesIn = metrics.counter(
      'berth_http_request_bytes_total',
      'Request body bytes declared by Content-Length (chunked upload bodies count in berth_upload_bytes_total)',
      ['method', 'route'],
    );
    this.bytesOut = metrics.counter('berth_http_response_bytes_total', 'Response body bytes sent (by Content-Length; HEAD answers count none)', ['method', 'route']);
  }

  observe(outcome: RequestOutcome): void {
    const route = outcome.route ?? UNMATCHED_ROUTE;
    const key = `${outcome.method} ${outcome.status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { method: outcome.method, route, status: String(outcome.status) };
      series = {
        requests: this.requests.labels(labels),
        duration: this.duration.labels(labels),
        bytesIn: this.bytesIn.labels({ method: outcome.method, route }),
        bytesOut: this.bytesOut.labels({ method: outcome.method, route }),
      };
      this.series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(outcome.seconds);
    if (outcome.bytesIn > 0) series.bytesIn.inc(outcome.bytesIn);
    if (outcome.bytesOut > 0) series.bytesOut.inc(outcome.bytesOut);
  }
}
