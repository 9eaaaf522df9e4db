// The CLI and the gateway wake through one client (wakeClient), so they ride out the same failures: each
// program's wake meets a watch that fails once, and goes on exactly when kube/errors.ts's isTransient says.
import { describe, expect, it } from "vitest";
import type { KubeClient } from "../kube/client.js";
import { httpError, isTransient, localError, LOCAL_REASON } from "../kube/errors.js";
import { at, awake, sprite } from "../operator/api/sprite-fixture.js";
import { PuckError } from "../cli/errors.js";
import { waitUntilReady } from "../cli/wake.js";
import { KubeBackend } from "../gateway/kube-backend.js";

/** Asleep, the request not yet seen: no probe is tried. */
const asleep = sprite({ phase: "Hibernating", observedGeneration: 1, wokeAt: at(-10), hibernatedAt: at(-5) });
const up = sprite({ ...awake, observedGeneration: 2 });

/** A cluster whose first watch fails with `failure`; every read after it finds the Sprite awake. */
function cluster(failure: unknown): KubeClient {
  let watches = 0;
  return {
    access: { server: "https://10.0.0.1:6443" },
    request: async (verb: string, path: string) => {
      if (path.includes("/pods/")) throw httpError(`GET ${path}`, 404, "");
      return verb === "PATCH" ? asleep : up;
    },
    watch: async () => {
      if (watches++ === 0) throw failure;
    },
  } as unknown as KubeClient;
}

const coded = (code: string) => Object.assign(new Error(code), { code });
const FAILURES: [string, unknown][] = [
  ["a reset connection", localError("WATCH /x", LOCAL_REASON.network, "reset", coded("ECONNRESET"))],
  ["a connection dropped without a code", localError("WATCH /x", LOCAL_REASON.network, "socket hang up", new Error("socket hang up"))],
  ["a watch gone silent", localError("WATCH /x", LOCAL_REASON.watchSilent, "no bytes")],
  ["a 500", httpError("WATCH /x", 500, "oops")],
  ["a 503", httpError("WATCH /x", 503, "not ready")],
  ["a 429", httpError("WATCH /x", 429, "too many")],
  ["a 404", httpError("WATCH /x", 404, "gone")],
  ["a 403", httpError("WATCH /x", 403, "forbidden")],
  ["a 409", httpError("WATCH /x", 409, "conflict")],
  ["a 422", httpError("WATCH /x", 422, "invalid")],
  ["a certificate not trusted", localError("WATCH /x", LOCAL_REASON.network, "self signed", coded("SELF_SIGNED_CERT_IN_CHAIN"))],
  ["credentials that could not be had", localError("WATCH /x", LOCAL_REASON.credentials, "exit 1")],
];

const outcome = (waking: Promise<unknown>) => waking.then(() => "retried" as const, () => "gave up" as const);

describe("the CLI's and the gateway's wakes retry the same failures", () => {
  it.each(FAILURES)("%s", async (_name, failure) => {
    const expected = isTransient(failure) ? "retried" : "gave up";
    const cli = outcome(waitUntilReady({ client: cluster(failure), namespace: "team" }, asleep, { timeoutMs: 5000 }));
    const gateway = outcome(new KubeBackend(cluster(failure), { wakeTimeoutMs: 5000 }).wake({ namespace: "team", name: "dev" }, () => undefined, new AbortController().signal));
    expect({ cli: await cli, gateway: await gateway }).toEqual({ cli: expected, gateway: expected });
  });
});

describe("each program tells a failure in its own words", () => {
  it("puck names the call that failed, as its other commands do", async () => {
    const error = await waitUntilReady({ client: cluster(httpError("WATCH /x", 403, "forbidden")), namespace: "team" }, asleep, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PuckError);
    expect((error as PuckError).message).toBe("not allowed to watch sprites in namespace team: forbidden");
  });
  it("the gateway tells a Sprite gone while waking as one line", async () => {
    const waking = new KubeBackend(cluster(httpError("WATCH /x", 404, "gone")), { wakeTimeoutMs: 5000 }).wake({ namespace: "team", name: "dev" }, () => undefined, new AbortController().signal);
    await expect(waking).rejects.toThrow("the Sprite is gone");
  });
});
