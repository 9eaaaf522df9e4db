import { describe, expect, it } from "vitest";
import { hostAlias, hostKeyAlias, proxyCommand, renderKnownHosts, renderSshConfig } from "./ssh-config-render.js";

const dev = { namespace: "default", name: "dev" };
const web = { namespace: "team", name: "web" };

describe("ssh-config rendering", () => {
  it("names a Sprite of the default namespace NAME.puck, another NAME.NAMESPACE.puck", () => {
    expect(hostAlias(dev)).toBe("dev.puck");
    expect(hostAlias(web)).toBe("web.team.puck");
  });

  it("keeps the host key under one alias per API server host, brackets of IPv6 dropped", () => {
    expect(hostKeyAlias("https://192.0.2.2:6443")).toBe("puck-gateway.192.0.2.2");
    expect(hostKeyAlias("https://[2001:db8::1]:6443")).toBe("puck-gateway.2001:db8::1");
  });

  it("a direct block names the LoadBalancer address, the Sprite as user, and the key alias", () => {
    expect(renderSshConfig([dev, web], { kind: "direct", host: "192.0.2.10", port: 2222 }, "puck-gateway.k")).toBe(
      [
        "# Sprite dev in namespace default, through the Puck gateway",
        "Host dev.puck",
        "  HostName 192.0.2.10",
        "  Port 2222",
        "  User dev",
        "  HostKeyAlias puck-gateway.k",
        "",
        "# Sprite web in namespace team, through the Puck gateway",
        "Host web.team.puck",
        "  HostName 192.0.2.10",
        "  Port 2222",
        "  User web.team",
        "  HostKeyAlias puck-gateway.k",
        "",
      ].join("\n"),
    );
  });

  it("a proxy block runs puck ssh-proxy instead of naming an address", () => {
    const text = renderSshConfig([dev], { kind: "proxy", command: "puck ssh-proxy" }, "puck-gateway.k");
    expect(text).toContain("  ProxyCommand puck ssh-proxy\n");
    expect(text).not.toContain("HostName");
  });

  it("the proxy command carries the kubeconfig and context given, quoted for the shell", () => {
    expect(proxyCommand("puck", {})).toBe("puck ssh-proxy");
    expect(proxyCommand("/opt/puck", { kubeconfig: "/home/a b/kc", context: "lab" })).toBe("/opt/puck ssh-proxy --kubeconfig '/home/a b/kc' --context lab");
  });

  it("the known_hosts line names the key by its alias, its fingerprint in a comment", () => {
    expect(renderKnownHosts("puck-gateway.k", "ssh-ed25519 AAAA", "SHA256:abc")).toBe("# Puck gateway host key SHA256:abc\npuck-gateway.k ssh-ed25519 AAAA\n");
  });
});
