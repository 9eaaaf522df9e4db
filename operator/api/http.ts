// Sprite URLs: the one DNS label each served port gets under the install's domain, and its reverse.
// The operator writes the URLs into the status, the gateway reads the Host back into a Sprite and a
// port, the CLI prints them: all through these two functions, so they cannot disagree.

/** Separates the namespace in a label: `3000-dev--team` is port 3000 of Sprite dev in namespace team. */
export const NAMESPACE_SEPARATOR = "--";
/** A DNS label's limit (RFC 1035): one label per URL, so one wildcard certificate covers every URL. */
export const DNS_LABEL_MAX = 63;
export const DEFAULT_URL_NAMESPACE = "default";

export type UrlLabel = { label: string } | { problem: string };

/**
 * The DNS label of a Sprite's port: `3000-dev` in the default namespace, `3000-dev--team` in another.
 * A name or namespace holding `--` would read back ambiguously, and a label has at most 63 characters:
 * those get a problem, in words for the status.
 */
export function urlLabel(port: number, name: string, namespace: string): UrlLabel {
  if (name.includes(NAMESPACE_SEPARATOR)) {
    return { problem: `the Sprite's name holds "${NAMESPACE_SEPARATOR}", which separates the namespace in a URL: a Sprite whose name has no "${NAMESPACE_SEPARATOR}" gets URLs` };
  }
  if (namespace !== DEFAULT_URL_NAMESPACE && namespace.includes(NAMESPACE_SEPARATOR)) {
    return { problem: `the namespace holds "${NAMESPACE_SEPARATOR}", which separates it from the Sprite's name in a URL: a namespace without "${NAMESPACE_SEPARATOR}" gets URLs` };
  }
  const label = namespace === DEFAULT_URL_NAMESPACE ? `${port}-${name}` : `${port}-${name}${NAMESPACE_SEPARATOR}${namespace}`;
  if (label.length > DNS_LABEL_MAX) {
    return { problem: `"${label}" is longer than a DNS label's ${DNS_LABEL_MAX} characters: a shorter Sprite or namespace name gets URLs` };
  }
  return { label };
}

export interface UrlTarget {
  port: number;
  name: string;
  namespace: string;
}

const LABEL = /^([1-9][0-9]{0,4})-([a-z]([-a-z0-9]*[a-z0-9])?)$/;

/**
 * The Sprite and port a request's Host names under `domain`, or undefined for any other host. The
 * Host may carry a port and any case; only a label urlLabel could have made is accepted.
 */
export function parseUrlHost(host: string, domain: string): UrlTarget | undefined {
  const bare = host.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const suffix = `.${domain.toLowerCase().replace(/\.$/, "")}`;
  if (!bare.endsWith(suffix)) return undefined;
  const label = bare.slice(0, -suffix.length);
  const match = LABEL.exec(label);
  if (!match) return undefined;
  const port = Number(match[1]);
  if (port > 65535) return undefined;
  const rest = match[2]!;
  const at = rest.indexOf(NAMESPACE_SEPARATOR);
  const target = at < 0 ? { port, name: rest, namespace: DEFAULT_URL_NAMESPACE } : { port, name: rest.slice(0, at), namespace: rest.slice(at + NAMESPACE_SEPARATOR.length) };
  // Only the one spelling urlLabel makes: `3000-dev--default` is not another name for `3000-dev`.
  const again = urlLabel(port, target.name, target.namespace);
  return "label" in again && again.label === label ? target : undefined;
}

export type UrlScheme = "http" | "https";

/** The install's URL settings (the operator's and the gateway's --url-domain and --url-scheme). */
export interface UrlSettings {
  /** e.g. sprites.home.example: URLs are PORT-NAME.DOMAIN. */
  domain: string;
  scheme: UrlScheme;
}

/** The URL of a label under the install's domain, e.g. https://3000-dev.sprites.home.example/. */
export const spriteUrl = (settings: UrlSettings, label: string) => `${settings.scheme}://${label}.${settings.domain}/`;

/** A domain as --url-domain accepts it: DNS labels, at least two, lower case, no wildcard. */
export function urlDomainProblem(domain: string): string | undefined {
  if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(domain) || domain.length > 200) {
    return `"${domain}" is not a domain such as sprites.home.example (lower-case DNS labels joined by dots, no "*." and no scheme)`;
  }
  return undefined;
}
