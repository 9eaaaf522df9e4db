// The e2e tests wait with the helper the agent's real-process unit tests use too (one copy, outside e2e/).
export { waitFor, type WaitOptions } from "../../agent/testing/wait-for.js";
