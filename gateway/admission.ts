// Who may start or keep trying an SSH handshake: a cap on connections not yet authenticated, and
// a per-address limit on failed authentications (FailureCounter, which the HTTP side shares for its
// failed credentials). Pure bookkeeping; the clock is passed in.

export interface AdmissionLimits {
  /** Connections allowed at once before they authenticate; more are closed at once. */
  maxUnauthenticated: number;
  /** Failed authentications an address may have within the window before it is turned away. */
  maxFailures: number;
  failureWindowMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxUnauthenticated: 64, maxFailures: 10, failureWindowMs: 60_000 };

/** Addresses remembered at most: a flood of spoofed sources cannot grow the table without bound. */
const MAX_TRACKED_ADDRESSES = 10_000;

/** Failures per client address within a sliding window: who has failed too often lately. */
export class FailureCounter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: { maxFailures: number; failureWindowMs: number }) {}

  /** Whether `address` has used up its failures within the window. */
  exhausted(address: string, nowMs: number): boolean {
    return this.recentFailures(address, nowMs) >= this.limits.maxFailures;
  }

  failed(address: string, nowMs: number): void {
    const recent = this.prune(address, nowMs);
    recent.push(nowMs);
    this.failures.set(address, recent);
    if (this.failures.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  /** How many failures `address` had within the window. */
  recentFailures(address: string, nowMs: number): number {
    return this.prune(address, nowMs).length;
  }

  private prune(address: string, nowMs: number): number[] {
    const kept = (this.failures.get(address) ?? []).filter((t) => nowMs - t < this.limits.failureWindowMs);
    if (kept.length === 0) this.failures.delete(address);
    else this.failures.set(address, kept);
    return kept;
  }
}

export class Admission {
  private unauthenticated = 0;
  private readonly failures: FailureCounter;

  constructor(private readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS) {
    this.failures = new FailureCounter(limits);
  }

  /** Whether a new connection from `address` may start its handshake; if so it counts until settled. */
  admit(address: string, nowMs: number): boolean {
    if (this.unauthenticated >= this.limits.maxUnauthenticated) return false;
    if (this.failures.exhausted(address, nowMs)) return false;
    this.unauthenticated++;
    return true;
  }

  /** The connection admitted earlier authenticated or closed: it no longer counts against the cap. */
  settled(): void {
    this.unauthenticated = Math.max(0, this.unauthenticated - 1);
  }

  /** An authentication from `address` failed (a wrong key, an unknown Sprite: the same thing). */
  failed(address: string, nowMs: number): void {
    this.failures.failed(address, nowMs);
  }

  /** How many authentications failed from `address` within the window. */
  recentFailures(address: string, nowMs: number): number {
    return this.failures.recentFailures(address, nowMs);
  }

  get pending(): number {
    return this.unauthenticated;
  }
}
