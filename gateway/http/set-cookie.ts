// An app's Set-Cookie made host-only. Every Sprite URL is a sibling under one domain, so a cookie
// an app sets with Domain=DOMAIN would reach every other Sprite's URL in that browser ("cookie
// tossing": another app's sessions shadowed, or headers grown past what servers accept). Browsers
// keep such cookies apart only for a listed public suffix, which a homelab's domain is not.

/** The header without any Domain attribute (browsers honour the last one: all go). */
export function hostOnly(setCookie: string): string {
  const [pair = "", ...attributes] = setCookie.split(";");
  const kept = attributes.filter((attribute) => attribute.split("=", 1)[0]!.trim().toLowerCase() !== "domain");
  return [pair, ...kept.map((attribute) => attribute.trim())].join("; ");
}

/** Every Set-Cookie of a response, host-only. */
export function hostOnlyCookies(headers: string[] | undefined): string[] | undefined {
  return headers?.map(hostOnly);
}
