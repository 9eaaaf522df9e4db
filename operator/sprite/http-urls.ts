// status.http: the URL of each port in spec.http, or why it has none, from the install's URL settings.
import { spriteUrl, urlLabel, type HttpPort, type HttpStatus, type UrlSettings } from "../api/index.js";

export const NO_DOMAIN_MESSAGE =
  "No URL domain is set up for this install: set the domain (docs/install.md, Sprite URLs) and the URL appears here.";

/** One entry per declared port, in spec order; undefined when the Sprite serves none. */
export function httpStatus(ports: readonly HttpPort[] | undefined, name: string, namespace: string, settings: UrlSettings | undefined): HttpStatus[] | undefined {
  if (!ports?.length) return undefined;
  return ports.map(({ port, public: isPublic }) => {
    const entry: HttpStatus = { port, public: isPublic === true };
    if (!settings) return { ...entry, message: NO_DOMAIN_MESSAGE };
    const label = urlLabel(port, name, namespace);
    return "label" in label ? { ...entry, url: spriteUrl(settings, label.label) } : { ...entry, message: `No URL: ${label.problem}.` };
  });
}
