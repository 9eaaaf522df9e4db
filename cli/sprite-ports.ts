// Streams to ports of a Sprite's pod through the API server, with the user's own rights: the first
// one wakes the Sprite (the shared wake path), later ones reuse the pod it woke into, and one that
// finds the pod gone (the Sprite hibernated meanwhile) wakes it again — once — and retries.
import type { Duplex } from "node:stream";
import { childNames } from "../operator/api/index.js";
import { openPortForward, type ForwardSocketOpener } from "../kube/port-forward.js";
import { forwardOpenError, socketOpener } from "./gateway.js";
import type { Io } from "./io.js";
import type { Target } from "./sprites.js";
import { wakeAndWait } from "./wake.js";

export class SpritePorts {
  /** The pod of the last wake; undefined until the first connection, and after one found it gone. */
  private pod: Promise<string> | undefined;
  private opener: Promise<ForwardSocketOpener> | undefined;

  constructor(
    private readonly target: Target,
    private readonly name: string,
    private readonly options: { io: Io; timeoutMs: number },
  ) {}

  /** Wakes the Sprite unless a wake already found its pod; concurrent callers share one wake. */
  private awakePod(): Promise<string> {
    this.pod ??= wakeAndWait(this.target, this.name, { ...this.options, probe: true }).then((s) => s.status?.podName ?? childNames(this.name).pod);
    const pod = this.pod;
    // A failed wake is not remembered: the next connection tries again.
    pod.catch(() => {
      if (this.pod === pod) this.pod = undefined;
    });
    return pod;
  }

  async open(port: number): Promise<Duplex> {
    this.opener ??= socketOpener(this.target);
    const opener = await this.opener;
    for (let attempt = 1; ; attempt++) {
      const current = this.awakePod();
      const pod = await current;
      try {
        return await openPortForward(opener, { namespace: this.target.namespace, pod, port });
      } catch (error) {
        const failure = forwardOpenError(error, this.target.namespace, `Sprite ${this.name}`);
        if (!failure.retryable || attempt >= 2) throw failure;
        // The pod is gone or going: the Sprite hibernated since. Wake it again.
        if (this.pod === current) this.pod = undefined;
      }
    }
  }
}
