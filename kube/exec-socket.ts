// What client-node's WebSocketHandler needs to open exec and port-forward sockets, answered from the
// shared access and credentials: client-node stays only where it does real work (the WebSocket
// protocols), and its KubeConfig, which loads the whole generated API client, is never loaded.
import type { ClusterAccess } from "./access.js";
import type { Credentials } from "./credentials.js";

/** The two methods of KubeConfig that WebSocketHandler calls. */
export function socketConfig(access: ClusterAccess, creds: Credentials) {
  return {
    getCurrentCluster: () => ({ name: "puck", server: access.server, skipTLSVerify: access.insecure }),
    applyToHTTPSOptions: async (opts: Record<string, unknown>) => {
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
