// The agent logs with the shared JSON-lines logger: one implementation, one format.
export * from "../kube/logger.js";
