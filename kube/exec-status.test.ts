import { describe, expect, it } from "vitest";
import { neverStarted, outcomeOf } from "./exec-status.js";

describe("outcomeOf", () => {
  it.each([
    ["success is exit 0", { status: "Success" }, { code: 0 }],
    [
      "a non-zero exit passes its code through",
      { status: "Failure", reason: "NonZeroExitCode", message: "command terminated with non-zero exit code", details: { causes: [{ reason: "ExitCode", message: "42" }] } },
      { code: 42 },
    ],
    [
      "a missing command is an error with code 127",
      { status: "Failure", message: 'exec: "nope": executable file not found in $PATH' },
      { error: 'exec: "nope": executable file not found in $PATH', code: 127 },
    ],
    ["a permission problem is 126", { status: "Failure", message: "permission denied" }, { error: "permission denied", code: 126 }],
    ["any other failure is an error with code 1", { status: "Failure", reason: "InternalError" }, { error: "InternalError", code: 1 }],
    [
      "NonZeroExitCode without a numeric cause is an error, never success",
      { status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "x" }] } },
      { error: "NonZeroExitCode", code: 1 },
    ],
  ])("%s", (_name, status, expected) => {
    expect(outcomeOf(status)).toEqual(expected);
  });
});

describe("neverStarted", () => {
  it("is the kubelet saying the pod or container is not running there: nothing ran", () => {
    expect(neverStarted(outcomeOf({ status: "Failure", message: "Internal error occurred: unable to upgrade connection: pod does not exist" }))).toBe(true);
    expect(neverStarted(outcomeOf({ status: "Failure", message: "unable to upgrade connection: container not found (\"sprite\")" }))).toBe(true);
  });
  it("is not a command that ran and failed, nor one that is missing", () => {
    expect(neverStarted(outcomeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "2" }] } }))).toBe(false);
    expect(neverStarted(outcomeOf({ status: "Failure", message: "exec: \"nope\": executable file not found in $PATH" }))).toBe(false);
  });
});
