// Builds the Sprite CustomResourceDefinition from the schema; deploy/crd.yaml is generated from it.
import { CRD_NAME, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from "./group.js";
import { spriteSchema } from "./sprite-schema.js";

export const crd = () => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: CRD_NAME, labels: { "app.kubernetes.io/part-of": "puck" } },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES] },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Phase", type: "string", jsonPath: ".status.phase" },
          { name: "Sessions", type: "integer", jsonPath: ".status.activeSessions" },
          { name: "Last-Active", type: "date", jsonPath: ".status.lastActiveTime" },
          { name: "Reason", type: "string", jsonPath: ".status.reason", priority: 1 },
          { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: { openAPIV3Schema: spriteSchema.props },
      },
    ],
  },
});
