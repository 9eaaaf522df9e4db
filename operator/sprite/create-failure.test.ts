// Reading a StatefulSet's FailedCreate events: the latest refusal since the last wake, in one line.
import { describe, expect, it } from "vitest";
import { createFailure, eventSpriteKey, eventVersion, explain, parseRetry } from "./create-failure.js";
import type { KubeObject } from "../../kube/client.js";

const event = (fields: Record<string, unknown>): KubeObject =>
  ({ metadata: { name: `e-${Math.random()}`, namespace: "ns" }, type: "Warning", reason: "FailedCreate", involvedObject: { kind: "StatefulSet", name: "demo", namespace: "ns" }, ...fields }) as KubeObject;

const since = new Date("2026-01-01T12:00:00.400Z");
const psa =
  'create Pod demo-0 in StatefulSet demo failed error: pods "demo-0" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "agent" must not include "DAC_READ_SEARCH", "SYS_PTRACE" in securityContext.capabilities.add)';
const quota = 'create Pod demo-0 in StatefulSet demo failed error: pods "demo-0" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0';

describe("createFailure", () => {
  it.each([
    { name: "no events: nothing to say", events: [], want: undefined },
    {
      name: "a quota refusal since the wake is the failure, without the controller's preamble",
      events: [event({ message: quota, lastTimestamp: "2026-01-01T12:00:01Z" })],
      want: { reason: "FailedCreate", message: 'pods "demo-0" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0' },
    },
    {
      name: "an event in the wake's own second counts (event times have second resolution)",
      events: [event({ message: quota, lastTimestamp: "2026-01-01T12:00:00Z" })],
      want: { reason: "FailedCreate", message: expect.stringMatching(/^pods "demo-0" is forbidden: exceeded quota/) },
    },
    { name: "a refusal from before the wake says nothing about this one", events: [event({ message: quota, lastTimestamp: "2026-01-01T11:59:59Z" })], want: undefined },
    {
      name: "a repeated event counts from its series' last observation",
      events: [event({ message: quota, eventTime: "2026-01-01T11:00:00Z", series: { lastObservedTime: "2026-01-01T12:00:05Z" } })],
      want: { reason: "FailedCreate", message: expect.stringMatching(/exceeded quota/) },
    },
    { name: "another StatefulSet's refusal is not ours", events: [event({ message: quota, lastTimestamp: "2026-01-01T12:00:01Z", involvedObject: { kind: "StatefulSet", name: "other" } })], want: undefined },
    { name: "other reasons are not refusals", events: [event({ reason: "SuccessfulCreate", message: "create Pod demo-0", lastTimestamp: "2026-01-01T12:00:01Z" })], want: undefined },
    {
      name: "the latest refusal wins",
      events: [event({ message: "old webhook denial", lastTimestamp: "2026-01-01T12:00:09Z" }), event({ message: quota, lastTimestamp: "2026-01-01T12:00:02Z" })],
      want: { reason: "FailedCreate", message: "old webhook denial" },
    },
  ])("$name", ({ events, want }) => expect(createFailure(events, "demo", since)).toEqual(want));
});

describe("a retry asked for by a wake request", () => {
  const refusal = (count: number) => event({ metadata: { name: "demo.1", namespace: "ns" }, message: quota, count, lastTimestamp: "2026-01-01T12:00:00Z" });
  it("the refusal as it stood at the retry is not news, though it is in the same second", () =>
    expect(createFailure([refusal(7)], "demo", since, eventVersion(refusal(7)))).toBeUndefined());
  it("the same refusal counted again after the retry is", () =>
    expect(createFailure([refusal(8)], "demo", since, eventVersion(refusal(7)))).toMatchObject({ reason: "FailedCreate" }));
  it("the annotation holds the wake request and the event's version", () => {
    expect(eventVersion(refusal(7))).toBe("demo.1/7");
    expect(parseRetry("2026-01-01T12:00:00.123Z demo.1/7")).toEqual({ wakeRequestedAt: "2026-01-01T12:00:00.123Z", seen: "demo.1/7" });
    expect(parseRetry(undefined)).toBeUndefined();
  });
});

describe("explain", () => {
  it("a Pod Security refusal names the namespace label that lets Sprites run", () => {
    const text = explain(psa);
    expect(text).toMatch(/^pods "demo-0" is forbidden: violates PodSecurity "baseline:latest"/);
    expect(text).toMatch(/label the namespace pod-security\.kubernetes\.io\/enforce=privileged$/);
    expect(text).not.toMatch(/\n/);
  });
  it("other refusals are kept as the API server said them, on one line", () => expect(explain("admission webhook \"x\" denied\n the request")).toBe('admission webhook "x" denied the request'));
});

describe("eventSpriteKey", () => {
  it("an event on a StatefulSet names its Sprite", () => expect(eventSpriteKey(event({}))).toBe("ns/demo"));
  it("an event on anything else names none", () => expect(eventSpriteKey(event({ involvedObject: { kind: "Pod", name: "demo-0" } }))).toBeUndefined());
});
