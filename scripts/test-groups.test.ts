import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { declaredGroup, e2eGroups, findTestFiles, groupFiles } from "./test-groups.js";

const file = (...lines: string[]) => lines.join("\n");

describe("declaredGroup", () => {
  const cases: { name: string; text: string; want: string }[] = [
    { name: "the declaration ends the opening comment", text: file("// The SSH layer.", "// @needs: host", "import x from 'y';"), want: "host" },
    { name: "it may stand anywhere in the opening comment", text: file("// @needs: cluster-alongside", "// What it tests.", "", "code();"), want: "cluster-alongside" },
    { name: "spaces around the group do not matter", text: file("//   @needs:   cluster  ", "code();"), want: "cluster" },
  ];
  for (const c of cases) it(c.name, () => expect(declaredGroup("e2e/x.test.ts", c.text)).toBe(c.want));

  const failures: { name: string; text: string; error: RegExp }[] = [
    { name: "a file that declares nothing is an error naming it", text: file("// What it tests.", "code();"), error: /e2e\/x\.test\.ts does not say what it needs: .*@needs: host \| cluster-alongside \| cluster/ },
    { name: "a declaration after the opening comment does not count", text: file("// What it tests.", "", "// @needs: host"), error: /does not say what it needs/ },
    { name: "an unknown group is an error", text: file("// @needs: gpu"), error: /e2e\/x\.test\.ts needs "gpu", which is no test group/ },
    { name: "an empty declaration is an error", text: file("// @needs:"), error: /needs "", which is no test group/ },
    { name: "two declarations are an error", text: file("// @needs: host", "// @needs: cluster"), error: /declares more than one group \(host, cluster\)/ },
  ];
  for (const c of failures) it(c.name, () => expect(() => declaredGroup("e2e/x.test.ts", c.text)).toThrow(c.error));
});

describe("groupFiles", () => {
  it("puts each file in the group it declares, every group listed and sorted", () => {
    expect(
      groupFiles([
        { path: "e2e/b.test.ts", text: "// @needs: cluster" },
        { path: "e2e/a.test.ts", text: "// @needs: cluster" },
        { path: "e2e/c.test.ts", text: "// @needs: host" },
      ]),
    ).toEqual({ host: ["e2e/c.test.ts"], "cluster-alongside": [], cluster: ["e2e/a.test.ts", "e2e/b.test.ts"] });
  });

  it("fails on the first file that declares nothing", () => {
    expect(() => groupFiles([{ path: "e2e/ok.test.ts", text: "// @needs: host" }, { path: "e2e/new.test.ts", text: "code();" }])).toThrow(/e2e\/new\.test\.ts/);
  });
});

describe("this repository's e2e files", () => {
  it("each declare a group, and so each run in exactly one", () => {
    const root = resolve(import.meta.dirname, "..");
    const groups = e2eGroups(root);
    expect(Object.values(groups).flat().sort()).toEqual(findTestFiles(root, "e2e"));
  });
});
