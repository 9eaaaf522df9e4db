// Streams to ports of a Sprite's pod through the API server, with the user's own rights: the first
// one wakes the Sprite (the shared wake path), later ones reuse the pod it woke into, and one that
// finds the pod gone (the Sprite hibernated meanwhile) wakes it again — once — and retries.
// Connections to a pod that goes away are ended: the API server's port-forward does not always
// close them when the pod is deleted (the kubelet's side can stay half-open).
import type { Duplex } from "node:stream";
import { isStatus } from "../kube/errors.js";
import { CORE, resourcePath } from "../kube/paths.js";
import { openPortForward, type ForwardSocketOpener } from "../kube/port-forward.js";
import { childNames } from "../operator/api/index.js";
import { forwardOpenError, socketOpener } from "./gateway.js";
import type { Io } from "./io.js";
import type { Target } from "./sprites.js";
import { wakeAndWait } from "./wake.js";

/** How often a pod with open connections is looked at. */
const POD_CHECK_MS = 2000;

interface PodRef {
  name: string;
  /** Undefined when the pod could not be read (no `get pods` right): its connections are not checked. */
  uid: string | undefined;
}

interface PodObject {
  metadata: { uid?: string; deletionTimestamp?: string };
}

export class SpritePorts {
  /** The pod of the last wake; undefined until the first connection, and after one found it gone. */
  private pod: Promise<PodRef> | undefined;
  private opener: Promise<ForwardSocketOpener> | undefined;
  private readonly open = new Map<Duplex, PodRef>();
  private checker: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: Target,
    private readonly name: string,
    private readonly options: { io: Io; timeoutMs: number; onPodGone?: (pod: string) => void },
  ) {}

  private podPath = (pod: string) => resourcePath(CORE.pods, { namespace: this.target.namespace, name: pod });

  private async readUid(pod: string): Promise<string | undefined> {
    return this.target.client.request<PodObject>("GET", this.podPath(pod)).then((p) => p.metadata.uid, () => undefined);
  }

  /** Wakes the Sprite unless a wake already found its pod; concurrent callers share one wake. */
  private awakePod(): Promise<PodRef> {
    this.pod ??= wakeAndWait(this.target, this.name, { ...this.options, probe: true }).then(async (s) => {
      const name = s.status?.podName ?? childNames(this.name).pod;
      return { name, uid: await this.readUid(name) };
    });
    const pod = this.pod;
    // A failed wake is not remembered: the next connection tries again.
    pod.catch(() => {
      if (this.pod === pod) this.pod = undefined;
    });
    return pod;
  }

  async connect(port: number): Promise<Duplex> {
    this.opener ??= socketOpener(this.target);
    const opener = await this.opener;
    for (let attempt = 1; ; attempt++) {
      const current = this.awakePod();
      const pod = await current;
      try {
        const stream = await openPortForward(opener, { namespace: this.target.namespace, pod: pod.name, port });
        this.track(stream, pod);
        return stream;
      } catch (error) {
        const failure = forwardOpenError(error, this.target.namespace, `Sprite ${this.name}`);
        if (!failure.retryable || attempt >= 2) throw failure;
        // The pod is gone or going: the Sprite hibernated since. Wake it again.
        if (this.pod === current) this.pod = undefined;
      }
    }
  }

  /** Stops looking at pods: for the end of the command. */
  close(): void {
    clearInterval(this.checker);
    this.checker = undefined;
  }

  private track(stream: Duplex, pod: PodRef): void {
    if (pod.uid === undefined) return;
    this.open.set(stream, pod);
    stream.once("close", () => this.open.delete(stream));
    this.checker ??= setInterval(() => void this.checkPods(), POD_CHECK_MS);
  }

  /** Ends the connections of a pod that is gone, being deleted, or replaced by another of its name. */
  private async checkPods(): Promise<void> {
    if (this.open.size === 0) {
      this.close();
      return;
    }
    const pods = new Map([...this.open.values()].map((p) => [p.uid, p]));
    for (const pod of pods.values()) {
      let gone: boolean;
      try {
        const found = await this.target.client.request<PodObject>("GET", this.podPath(pod.name));
        gone = found.metadata.uid !== pod.uid || found.metadata.deletionTimestamp !== undefined;
      } catch (error) {
        // Only an answer that the pod is not there counts: unknown is never gone.
        gone = isStatus(error, 404);
      }
      if (!gone) continue;
      void this.pod?.then((current) => {
        if (current.uid === pod.uid) this.pod = undefined;
      }, () => undefined);
      const ended = [...this.open].filter(([, p]) => p.uid === pod.uid).map(([stream]) => stream);
      for (const stream of ended) {
        this.open.delete(stream);
        stream.destroy();
      }
      if (ended.length > 0) this.options.onPodGone?.(pod.name);
    }
  }
}
