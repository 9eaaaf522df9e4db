// Which test project each e2e file joins, from what the file itself declares: a line
// `// @needs: GROUP` in the comment it opens with. vitest.config.ts builds its projects from this,
// so no list is kept elsewhere, and a file that declares nothing stops every run until it does.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * What an e2e file needs, which is the project it runs in:
 * - "host": this machine alone (root, OpenSSH's clients, rsync, curl, setpriv), no cluster;
 * - "cluster-alongside": the cluster, in a namespace of its own under an operator of its own,
 *   touching nothing cluster-wide and timing nothing closely, so two such files run at once;
 * - "cluster": the cluster to itself (it restarts or kills parts of it, installs Puck's in-cluster
 *   operator, adds a node, or measures how fast something happens), one file at a time.
 */
export const GROUPS = ["host", "cluster-alongside", "cluster"] as const;
export type Group = (typeof GROUPS)[number];

const DECLARATION = /^\/\/\s*@needs:\s*(.*?)\s*$/;

/** The group a test file declares in its opening comment; throws, naming the file, when it declares none, several or an unknown one. */
export function declaredGroup(path: string, text: string): Group {
  const declared: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("//")) break;
    const match = DECLARATION.exec(line);
    if (match) declared.push(match[1]!);
  }
  const choices = GROUPS.join(" | ");
  if (declared.length === 0) {
    throw new Error(`${path} does not say what it needs: add a line "// @needs: ${choices}" to the comment it opens with.`);
  }
  if (declared.length > 1) throw new Error(`${path} declares more than one group (${declared.join(", ")}): keep one "// @needs:" line.`);
  const group = declared[0]!;
  if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`${path} needs "${group}", which is no test group: one of ${choices}.`);
  return group as Group;
}

/** The files of each group, each in its declared one, sorted. */
export function groupFiles(files: { path: string; text: string }[]): Record<Group, string[]> {
  const groups = Object.fromEntries(GROUPS.map((g) => [g, [] as string[]])) as Record<Group, string[]>;
  for (const { path, text } of files) groups[declaredGroup(path, text)].push(path);
  for (const list of Object.values(groups)) list.sort();
  return groups;
}

/** Every *.test.ts below `dir`, as a path from `root` with forward slashes. */
export function findTestFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".test.ts")) found.push(relative(root, path).split("\\").join("/"));
    }
  };
  walk(join(root, dir));
  return found.sort();
}

/** The e2e test files of each group, read from the files under ROOT/e2e. */
export function e2eGroups(root: string): Record<Group, string[]> {
  return groupFiles(findTestFiles(root, "e2e").map((path) => ({ path, text: readFileSync(join(root, path), "utf8") })));
}
