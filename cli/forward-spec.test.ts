import { describe, expect, it } from "vitest";
import { PuckError } from "./errors.js";
import { parseForwardSpecs } from "./forward-spec.js";

describe("parseForwardSpecs", () => {
  it.each([
    ["a lone port forwards the same port here", ["8080"], [{ local: 8080, remote: 8080 }]],
    ["LOCAL:REMOTE forwards another local port", ["9000:80"], [{ local: 9000, remote: 80 }]],
    ["an empty local port picks a free one", [":80"], [{ local: 0, remote: 80 }]],
    ["local port 0 picks a free one", ["0:3000"], [{ local: 0, remote: 3000 }]],
    ["several forwards keep their order", ["1:2", "3"], [{ local: 1, remote: 2 }, { local: 3, remote: 3 }]],
    ["two free local ports are not a clash", [":80", ":81"], [{ local: 0, remote: 80 }, { local: 0, remote: 81 }]],
  ])("%s", (_rule, args, expected) => {
    expect(parseForwardSpecs(args)).toEqual(expected);
  });

  const failure = (args: string[]) => {
    try {
      parseForwardSpecs(args);
    } catch (error) {
      return error as PuckError;
    }
    throw new Error("no error");
  };

  it("names every bad value at once, as a usage error", () => {
    const error = failure(["80", "http", "1:2:3", "0", "70000", "8080:"]);
    expect(error).toBeInstanceOf(PuckError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`"http", "1:2:3", "0", "70000", "8080:" are not port forwards`);
    expect(error.hint).toContain("[LOCAL:]REMOTE");
  });

  it("refuses one local port for two forwards", () => {
    expect(failure(["8080", "8080:81"]).message).toBe("local port 8080 is given more than once");
  });
});
