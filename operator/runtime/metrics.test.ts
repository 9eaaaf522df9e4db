// The Prometheus text the operator serves.
import { describe, expect, it } from "vitest";
import { Metrics } from "./metrics.js";

describe("Metrics", () => {
  it("renders counters by label, histograms with cumulative buckets, and gauges read at scrape time", () => {
    const m = new Metrics();
    m.apiWrites.inc({ verb: "put", resource: "statefulsets" });
    m.apiWrites.inc({ verb: "put", resource: "statefulsets" });
    m.apiWrites.inc({ verb: "patch", resource: "sprites/status" });
    m.reconcileDuration.observe(0.02);
    m.reconcileDuration.observe(3);
    let depth = 1;
    m.addGauge("puck_workqueue_depth", "Keys waiting.", () => [{ labels: {}, value: depth }]);
    depth = 7;
    const text = m.render();
    expect(text).toContain('puck_api_writes_total{verb="put",resource="statefulsets"} 2');
    expect(text).toContain('puck_api_writes_total{verb="patch",resource="sprites/status"} 1');
    expect(text).toContain('puck_reconcile_duration_seconds_bucket{le="0.025"} 1');
    expect(text).toContain('puck_reconcile_duration_seconds_bucket{le="5"} 2');
    expect(text).toContain('puck_reconcile_duration_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain("puck_reconcile_duration_seconds_count 2");
    expect(text).toContain("puck_workqueue_depth 7");
    expect(text).toMatch(/^# TYPE puck_reconcile_total counter$/m);
  });
});
