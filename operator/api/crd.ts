// Builds Puck's CustomResourceDefinitions (Sprite, SpriteToken) from their schemas; deploy/crd.yaml is
// generated from them.
import { CRD_NAME, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from "./group.js";
import { spriteSchema } from "./sprite-schema.js";
import { spriteTokenSchema, TOKEN_CRD_NAME, TOKEN_KIND, TOKEN_PLURAL, TOKEN_SINGULAR } from "./access-token.js";

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

/** SpriteToken: a private URL's code or token (operator/api/access-token.ts). */
export const tokenCrd = () => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: TOKEN_CRD_NAME, labels: { "app.kubernetes.io/part-of": "puck" } },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { kind: TOKEN_KIND, listKind: `${TOKEN_KIND}List`, plural: TOKEN_PLURAL, singular: TOKEN_SINGULAR },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: "Sprite", type: "string", jsonPath: ".spec.sprite" },
          { name: "Purpose", type: "string", jsonPath: ".spec.purpose" },
          { name: "Port", type: "integer", jsonPath: ".spec.port" },
          { name: "Expires", type: "string", jsonPath: ".spec.expiresAt" },
          { name: "Description", type: "string", jsonPath: ".spec.description", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: { openAPIV3Schema: spriteTokenSchema.props },
      },
    ],
  },
});
