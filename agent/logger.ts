// The agent logs with the same JSON-lines logger as the operator: one implementation, one format.
export * from "../operator/logger.js";
