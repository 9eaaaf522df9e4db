// What client-node's WebSocketHandler needs to open exec and port-forward sockets, answered from the
// shared client: client-node stays only where it does real work (the WebSocket protocols), and its
// KubeConfig, which loads the whole generated API client, is never loaded.
import type { KubeClient } from "./client.js";

/** The two methods of KubeConfig that WebSocketHandler calls. */
export function socketConfig(client: KubeClient) {
  const access = client.access;
  return {
    getCurrentCluster: () => ({ name: "puck", server: access.server, skipTLSVerify: access.insecure }),
    applyToHTTPSOptions: async (opts: Record<string, unknown>) => {
      const [creds, agent] = await Promise.all([client.credentials(), client.connectionAgent()]);
      // The client's agent carries the same CA, certificate and key; through it the upgrade takes a
      // connection an earlier request (the wake request, say) left open: no second TLS handshake.
      opts.agent = agent;
      if (access.ca) opts.ca = access.ca;
      if (creds.cert) opts.cert = creds.cert;
      if (creds.key) opts.key = creds.key;
      if (access.insecure) opts.rejectUnauthorized = false;
      if (access.tlsServerName) opts.servername = access.tlsServerName;
      const headers = (opts.headers ?? {}) as Record<string, string>;
      if (creds.token) headers.Authorization = `Bearer ${creds.token}`;
      else if (access.username !== undefined && access.password !== undefined) opts.auth = `${access.username}:${access.password}`;
      opts.headers = headers;
    },
  } as never;
}
