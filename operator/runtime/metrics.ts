// Prometheus metrics in the text exposition format: counters, gauges and one histogram, no library.

type Labels = Record<string, string>;

const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
};

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

/** A gauge read when scraped, so it never goes stale. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => { labels: Labels; value: number }[],
  ) {}
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.read()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** The operator's metrics; gauges are registered by the parts that own the numbers. */
export class Metrics {
  readonly reconcileTotal = new Counter("puck_reconcile_total", "Reconciles run, by result.");
  readonly reconcileDuration = new Histogram(
    "puck_reconcile_duration_seconds",
    "How long reconciles took.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly apiWrites = new Counter("puck_api_writes_total", "Writes sent to the API server, by verb and resource.");
  readonly apiRequests = new Counter("puck_api_requests_total", "Requests sent to the API server, by verb, resource and code.");
  readonly watchEvents = new Counter("puck_watch_events_total", "Watch events received, by resource and type.");
  readonly watchRestarts = new Counter("puck_watch_restarts_total", "Watches restarted after an error or expiry, by resource.");
  private readonly gauges: Gauge[] = [];

  addGauge(name: string, help: string, read: () => { labels: Labels; value: number }[]): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  render(): string {
    const rss = new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
      { labels: {}, value: process.memoryUsage.rss() },
    ]);
    const parts = [
      this.reconcileTotal,
      this.reconcileDuration,
      this.apiWrites,
      this.apiRequests,
      this.watchEvents,
      this.watchRestarts,
      ...this.gauges,
      rss,
    ];
    return `${parts.map((p) => p.render()).join("\n")}\n`;
  }
}
