// Watch streams split into lines, with multi-byte characters that straddle two chunks kept whole.
import { describe, expect, it } from "vitest";
import { JsonLines } from "./json-lines.js";

describe("JsonLines", () => {
  it("returns each complete line once and holds a partial one until its newline", () => {
    const j = new JsonLines();
    expect(j.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(j.push(Buffer.from(":2}\n\n"))).toEqual(['{"b":2}']);
    expect(j.end()).toEqual([]);
  });
  it("keeps a UTF-8 character split across two chunks intact", () => {
    const bytes = Buffer.from('{"note":"café 日本"}\n');
    const cut = bytes.indexOf(Buffer.from("本")) + 1; // inside the three bytes of 本
    const j = new JsonLines();
    expect(j.push(bytes.subarray(0, cut))).toEqual([]);
    const [line] = j.push(bytes.subarray(cut));
    expect(JSON.parse(line!)).toEqual({ note: "café 日本" });
  });
  it("keeps a four-byte character split byte by byte", () => {
    const bytes = Buffer.from('{"e":"🦊"}\n');
    const j = new JsonLines();
    const lines = [...bytes].flatMap((b) => j.push(Buffer.from([b])));
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ e: "🦊" }]);
  });
  it("a last line without a newline comes out at the end", () => {
    const j = new JsonLines();
    j.push(Buffer.from('{"a":1}'));
    expect(j.end()).toEqual(['{"a":1}']);
  });
});
