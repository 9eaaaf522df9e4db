// Leader election with a coordination.k8s.io Lease, as client-go does it: only the leader reconciles.
import type { KubeClient, KubeObject } from "../../kube/client.js";
import { isStatus } from "../../kube/errors.js";
import type { Logger } from "./logger.js";
import { resourcePath } from "./resources.js";

export interface LeaseTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * Whether another holder's lease has run out. Like client-go, expiry is measured from when *we*
 * last saw the record change, on our own clock, so clock skew between hosts cannot make two leaders.
 * An empty holder means the last leader released the lease on shutdown: it is free at once.
 */
export function leaseFree(spec: LeaseSpec | undefined, identity: string, observedChangeAt: number, now: number, durationMs: number): boolean {
  if (!spec?.holderIdentity) return true;
  if (spec.holderIdentity === identity) return true;
  return now >= observedChangeAt + durationMs;
}

export class LeaderElector {
  private observedKey = "";
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly lease: { namespace: string; name: string; identity: string },
    private readonly log: Logger,
    private readonly timings: LeaseTimings = DEFAULT_LEASE_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Set once a first attempt has been made: then we know whether we lead or stand by. */
  attempted = false;

  /**
   * Campaigns until elected, calls onElected, then renews. If renewal fails for renewDeadline it
   * calls onLost — which must stop all work before it resolves — and campaigns again: an API server
   * that went away for a while costs leadership, not the process.
   */
  async run(onElected: () => Promise<void> | void, onLost: () => Promise<void> | void): Promise<void> {
    let lastRenew = this.now();
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (error) {
        this.log.warn("Failed to acquire or renew the Lease", { lease: this.lease.name, error });
      }
      this.attempted = true;
      if (this.stopped) break;
      if (ok) {
        lastRenew = this.now();
        if (!this.leading) {
          this.leading = true;
          this.log.info("Became leader", { lease: this.lease.name, namespace: this.lease.namespace, identity: this.lease.identity });
          await onElected();
        }
      } else if (this.leading && this.now() - lastRenew > this.timings.renewDeadlineMs) {
        this.leading = false;
        this.log.error("Lost leadership: could not renew the Lease in time", { lease: this.lease.name });
        await onLost();
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.timings.retryPeriodMs);
      });
    }
  }

  /** Stops campaigning and, if leading, empties the holder so a successor need not wait for expiry. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    if (!this.leading) return;
    this.leading = false;
    const path = resourcePath("leases", this.lease.namespace, this.lease.name);
    try {
      const current = await this.client.request<Lease>("GET", path);
      if (current.spec?.holderIdentity !== this.lease.identity) return;
      await this.client.request("PUT", path, {
        body: { ...current, spec: { ...current.spec, holderIdentity: null, acquireTime: null, renewTime: micro(new Date(this.now())), leaseDurationSeconds: 1 } },
      });
      this.log.info("Released the Lease", { lease: this.lease.name });
    } catch (error) {
      this.log.warn("Failed to release the Lease", { lease: this.lease.name, error });
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.lease;
    const now = new Date(this.now());
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.timings.leaseDurationMs / 1000),
      acquireTime: micro(now),
      renewTime: micro(now),
    };
    let current: Lease;
    try {
      current = await this.client.request<Lease>("GET", resourcePath("leases", namespace, name));
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      try {
        await this.client.request("POST", resourcePath("leases", namespace), {
          body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: { ...spec, leaseTransitions: 0 } },
        });
        return true;
      } catch (createError) {
        if (isStatus(createError, 409)) return false;
        throw createError;
      }
    }
    const key = `${current.spec?.holderIdentity ?? ""}|${current.spec?.renewTime ?? ""}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.now();
    }
    if (!leaseFree(current.spec, identity, this.observedAt, this.now(), this.timings.leaseDurationMs)) return false;
    const mine = current.spec?.holderIdentity === identity;
    const next: LeaseSpec = {
      ...spec,
      acquireTime: mine ? (current.spec?.acquireTime ?? spec.acquireTime) : spec.acquireTime,
      leaseTransitions: (current.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      // PUT carries the resourceVersion we read: two candidates cannot both win the same round.
      const updated = await this.client.request<Lease>("PUT", resourcePath("leases", namespace, name), { body: { ...current, spec: next } });
      this.observedKey = `${updated.spec?.holderIdentity ?? ""}|${updated.spec?.renewTime ?? ""}`;
      this.observedAt = this.now();
      return true;
    } catch (error) {
      if (isStatus(error, 409)) return false;
      throw error;
    }
  }
}
