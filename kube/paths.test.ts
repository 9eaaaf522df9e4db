// The path builder spells every URL the programs use.
import { describe, expect, it } from "vitest";
import { CORE, queryText, resourceOfPath, resourcePath, type ResourceType } from "./paths.js";

const sprites: ResourceType = { group: "puck.sandwich.labs", version: "v1alpha1", plural: "sprites" };

describe("resourcePath", () => {
  it.each([
    ["a core collection in a namespace", resourcePath(CORE.pods, { namespace: "a" }), "/api/v1/namespaces/a/pods"],
    ["a grouped object", resourcePath(CORE.statefulsets, { namespace: "a", name: "web" }), "/apis/apps/v1/namespaces/a/statefulsets/web"],
    ["a custom resource's status subresource", resourcePath(sprites, { namespace: "a", name: "web", subresource: "status" }), "/apis/puck.sandwich.labs/v1alpha1/namespaces/a/sprites/web/status"],
    ["a collection across all namespaces", resourcePath(sprites), "/apis/puck.sandwich.labs/v1alpha1/sprites"],
    ["a cluster-scoped object", resourcePath(CORE.storageclasses, { name: "local-path" }), "/apis/storage.k8s.io/v1/storageclasses/local-path"],
    ["names are URL-encoded", resourcePath(CORE.events, { namespace: "a b", name: "x/y" }), "/api/v1/namespaces/a%20b/events/x%2Fy"],
    ["rbac and coordination groups", resourcePath(CORE.leases, { namespace: "s" }), "/apis/coordination.k8s.io/v1/namespaces/s/leases"],
  ])("%s", (_name, got, want) => expect(got).toBe(want));
});

describe("queryText", () => {
  it("drops undefined values and encodes the rest", () => {
    expect(queryText({ labelSelector: "a=b,c", limit: 500, continue: undefined, watch: true })).toBe("?labelSelector=a%3Db%2Cc&limit=500&watch=true");
  });
  it("is empty without values", () => expect(queryText({ a: undefined })).toBe(""));
});

describe("resourceOfPath", () => {
  it.each([
    ["/apis/apps/v1/namespaces/a/statefulsets/x", "statefulsets"],
    ["/apis/puck.sandwich.labs/v1alpha1/namespaces/a/sprites/x/status", "sprites/status"],
    ["/api/v1/namespaces/a/events", "events"],
    ["/apis/puck.sandwich.labs/v1alpha1/sprites?watch=true", "sprites"],
    ["/api/v1/namespaces/a", "namespaces"],
    ["/apis/storage.k8s.io/v1/storageclasses/local-path", "storageclasses"],
  ])("%s is %s", (path, want) => expect(resourceOfPath(path)).toBe(want));
});
