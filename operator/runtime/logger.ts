// The operator logs with the shared JSON-lines logger.
export * from "../../kube/logger.js";
