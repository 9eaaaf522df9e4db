import { describe, expect, it } from "vitest";
import { changeAllows, parseAllowTarget } from "./network-spec.js";

describe("parseAllowTarget", () => {
  it.each([
    ["192.168.1.0/24", { cidr: "192.168.1.0/24" }],
    ["192.168.1.20/32:22,443", { cidr: "192.168.1.20/32", ports: [22, 443] }],
    ["2001:db8::/32:443", { cidr: "2001:db8::/32", ports: [443] }],
    ["service/db", { service: "db" }],
    ["svc/media/jellyfin", { service: "media/jellyfin" }],
    ["sprite/dev", { sprite: "dev" }],
    ["sp/team/dev", { sprite: "team/dev" }],
  ])("%s", (text, allow) => expect(parseAllowTarget(text)).toEqual(allow));

  it.each(["192.168.1.0", "192.168.1.0/33", "192.168.1.0/24:0", "192.168.1.0/24:ssh", "service/", "service/Db", "service/a/b/c", "jellyfin", "sprite/Dev", "pod/web"])(
    "refuses %s",
    (text) => expect(parseAllowTarget(text)).toBeUndefined(),
  );
});

describe("changeAllows", () => {
  it("replaces an entry for the same target (new ports), keeps the others, removes by target", () => {
    const list = [{ cidr: "192.168.1.0/24" }, { service: "db" }];
    expect(changeAllows(list, { add: { cidr: "192.168.1.0/24", ports: [22] } }, "team")).toEqual([{ service: "db" }, { cidr: "192.168.1.0/24", ports: [22] }]);
    // team/db and db are one Service when the Sprite is in team.
    expect(changeAllows(list, { remove: { service: "team/db" } }, "team")).toEqual([{ cidr: "192.168.1.0/24" }]);
    expect(changeAllows(list, { remove: { cidr: "10.0.0.0/8" } }, "team")).toEqual(list);
  });
});
