// Tests for the REST client's pure parts.
import { describe, expect, it } from "vitest";
import { resourceOfPath } from "./kube-client.js";

describe("resourceOfPath", () => {
  it.each([
    ["/apis/apps/v1/namespaces/a/statefulsets/x", "statefulsets"],
    ["/apis/puck.sandwich.labs/v1alpha1/namespaces/a/sprites/x/status", "sprites/status"],
    ["/api/v1/namespaces/a/events", "events"],
    ["/apis/puck.sandwich.labs/v1alpha1/sprites?watch=true", "sprites"],
  ])("%s is %s", (path, want) => expect(resourceOfPath(path)).toBe(want));
});
