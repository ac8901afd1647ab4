import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus' text exposition format, which `/metrics` answers in. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds: from a fast manifest read to a slow layer upload. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Seconds: background tasks wait for a worker and run from under a second to hours (a GC of a big registry). */
export const TASK_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event loop lag, Node's GC). They describe the
 * process, not an app, and collecting them starts observers that are never stopped: one set
 * per process, however many apps it holds, rather than one per app that outlives it.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Collect<T extends string> = (gauge: Gauge<T>) => void | Promise<void>;

/**
 * One app's metrics: a registry of its own, so two apps in one process count apart. Features
 * ask for their instruments by name; asking twice answers the same one, so a feature may take
 * them where it is assembled (tasks, gauges) without sharing a variable.
 */
export class Metrics {
  private readonly registry = new Registry();

  counter<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> {
    const found = this.registry.getSingleMetric(name);
    if (found instanceof Counter) return found as Counter<T>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<T extends string>(name: string, help: string, labelNames: readonly T[] = [], buckets: readonly number[] = LATENCY_BUCKETS): Histogram<T> {
    const found = this.registry.getSingleMetric(name);
    if (found instanceof Histogram) return found as Histogram<T>;
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  /** A gauge read when /metrics is scraped: `collect` sets its value then, nothing runs in between. */
  gauge<T extends string>(name: string, help: string, labelNames: readonly T[], collect: Collect<T>): Gauge<T> {
    const found = this.registry.getSingleMetric(name);
    if (found instanceof Gauge) return found as Gauge<T>;
    return new Gauge<T>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }

  /** Every metric of the process and the app, in the text format. */
  async render(): Promise<string> {
    const [process, app] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${app}`;
  }
}
