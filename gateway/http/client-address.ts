// The address a request comes from, for the failure limiter and the logs: the socket's peer, or,
// behind a proxy the install trusts (--trust-forwarded-for), the last X-Forwarded-For hop, which
// that proxy appended and a client cannot forge (the hops before it can be anything).

export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustForwardedFor: boolean): string {
  const own = normalise(socketAddress ?? "unknown");
  if (!trustForwardedFor || forwardedFor === undefined) return own;
  const joined = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  const last = joined.split(",").map((hop) => hop.trim()).filter((hop) => hop.length > 0).at(-1);
  return last ? normalise(last) : own;
}

/** An IPv4 peer on a dual-stack socket reads `::ffff:10.0.0.1`: the same client as `10.0.0.1`. */
const normalise = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "").slice(0, 64);
