// The desired PVC, StatefulSet, Service and agent RBAC, compared whole with toEqual.
import { describe, expect, it } from "vitest";
import type { Sprite } from "../api/index.js";
import { servicesScript } from "./services-script.js";
import {
  POD_GRACE_SECONDS,
  desiredServicesConfigMap,
  mainResources,
  desiredPvc,
  desiredRole,
  desiredRoleBinding,
  desiredService,
  desiredServiceAccount,
  desiredStatefulSet,
} from "./desired-objects.js";

const sprite: Sprite = {
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "dev", namespace: "team", uid: "u-1", generation: 1 },
  spec: { image: "debian:12", storageSize: "5Gi", storageClassName: "fast", resources: { limits: { memory: "1Gi" } } },
};
const labels = (component: string) => ({
  "puck.sandwich.labs/sprite": "dev",
  "app.kubernetes.io/name": "puck-sprite",
  "app.kubernetes.io/instance": "dev",
  "app.kubernetes.io/managed-by": "puck-operator",
  "app.kubernetes.io/component": component,
});
const owner = [{ apiVersion: "puck.sandwich.labs/v1alpha1", kind: "Sprite", name: "dev", uid: "u-1", controller: true }];

describe("desired objects", () => {
  it("spec.services become one declaration each in a ConfigMap owned by the Sprite, keyed in the spec's order", () => {
    const withServices: Sprite = {
      ...sprite,
      spec: { ...sprite.spec, services: [{ name: "web", command: ["python3", "-m", "http.server"], port: 8000, after: ["db"] }, { name: "db", command: ["pg"] }] },
    };
    const map = desiredServicesConfigMap(withServices);
    expect(map.metadata).toEqual({ name: "dev-services", namespace: "team", labels: labels("services"), ownerReferences: owner });
    expect(Object.keys(map.data)).toEqual(["01-web", "02-db"]);
    expect(desiredServicesConfigMap(sprite).data).toEqual({});
  });

  it("the PVC is labelled but owned by nobody, so it outlives the Sprite", () => {
    expect(desiredPvc(sprite)).toEqual({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "dev-home", namespace: "team", labels: labels("home") },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } }, storageClassName: "fast" },
    });
  });

  it("the StatefulSet runs the image kept alive by the services' supervisor (/bin/sh) beside the agent, with no probes and no token for the user", () => {
    const sts = desiredStatefulSet(sprite, 1, { agentImage: "puck-agent:dev" });
    expect(sts.metadata).toEqual({ name: "dev", namespace: "team", labels: labels("sprite"), ownerReferences: owner });
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe("dev");
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    const pod = sts.spec.template.spec;
    expect({
      shareProcessNamespace: pod.shareProcessNamespace,
      enableServiceLinks: pod.enableServiceLinks,
      automountServiceAccountToken: pod.automountServiceAccountToken,
      serviceAccountName: pod.serviceAccountName,
      terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    }).toEqual({
      shareProcessNamespace: true,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      serviceAccountName: "dev-agent",
      terminationGracePeriodSeconds: POD_GRACE_SECONDS,
    });
    expect(sts.spec.template.metadata.annotations).toEqual({ "kubectl.kubernetes.io/default-container": "sprite" });
    expect(pod.containers[0]).toEqual({
      name: "sprite",
      image: "debian:12",
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", servicesScript()],
      env: [
        { name: "HOME", value: "/home/sprite" },
        { name: "SPRITE_NAME", value: "dev" },
      ],
      workingDir: "/home/sprite",
      volumeMounts: [
        ...["usr", "bin", "sbin", "lib", "lib64", "etc", "var", "opt", "root", "srv", "home"].map((d) => ({ name: "home", mountPath: `/${d}`, subPath: `system/${d}` })),
        { name: "home", mountPath: "/home/sprite", subPath: "home" },
        { name: "services", mountPath: "/run/puck/services", readOnly: true },
      ],
      resources: { limits: { memory: "1Gi" }, requests: { cpu: "100m" } },
    });
    const agent = pod.containers[1]!;
    expect(agent.name).toBe("agent");
    expect(agent.image).toBe("puck-agent:dev");
    expect(agent.volumeMounts).toEqual([
      { name: "home", mountPath: "/home/sprite", subPath: "home", readOnly: true },
      // The whole volume, read-only, to measure its own use.
      { name: "home", mountPath: "/puck/volume", readOnly: true },
      { name: "agent-token", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ]);
    for (const c of pod.containers) expect(c).not.toHaveProperty("readinessProbe");
    expect(pod.volumes[0]).toEqual({ name: "home", persistentVolumeClaim: { claimName: "dev-home" } });
    // Optional: the pod never waits for it; a change to it reaches the running pod in place.
    expect(pod.volumes).toContainEqual({ name: "services", configMap: { name: "dev-services", optional: true } });
    expect(sts.spec.selector.matchLabels).toEqual({ "puck.sandwich.labs/sprite": "dev", "app.kubernetes.io/component": "sprite" });
  });

  it("the volume is set up by two init containers from the Sprite's image: one as its user, one as root with the capabilities a system's copy needs", () => {
    const pod = desiredStatefulSet(sprite, 1, { agentImage: "puck-agent:dev" }).spec.template.spec;
    const [user, setup] = pod.initContainers;
    expect(pod.initContainers.map((c) => [c.name, c.image])).toEqual([["home-user", "debian:12"], ["volume-setup", "debian:12"]]);
    // The image's user: no runAsUser, no capabilities.
    expect(user!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(setup!.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETFCAP"] },
    });
    expect(setup!.volumeMounts).toEqual([
      { name: "home", mountPath: "/puck-volume" },
      { name: "home-init", mountPath: "/puck-init", readOnly: true },
    ]);
    expect(setup!.env).toEqual([
      { name: "PUCK_PERSIST", value: "machine" },
      { name: "PUCK_IMAGE", value: "debian:12" },
      { name: "PUCK_VOLUME_BYTES", value: String(5 * 1024 ** 3) },
    ]);
    expect(setup!.command.join(" ")).toMatch(/chmod 0700 "\$home"/);
    expect(pod.volumes).toContainEqual({ name: "home-init", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
  });

  it("a Sprite that persists only its home mounts only the home, and its setup needs only CHOWN and DAC_OVERRIDE", () => {
    const homeOnly: Sprite = { ...sprite, spec: { ...sprite.spec, persist: "home" } };
    const pod = desiredStatefulSet(homeOnly, 1, { agentImage: "puck-agent:dev" }).spec.template.spec;
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { name: "home", mountPath: "/home/sprite", subPath: "home" },
      { name: "services", mountPath: "/run/puck/services", readOnly: true },
    ]);
    expect(pod.initContainers[1]!.securityContext.capabilities.add).toEqual(["CHOWN", "DAC_OVERRIDE"]);
    expect(pod.initContainers[1]!.env?.[0]).toEqual({ name: "PUCK_PERSIST", value: "home" });
  });

  it("a prune of earlier systems reaches the setup container only when asked for", () => {
    const pod = desiredStatefulSet(sprite, 1, { agentImage: "puck-agent:dev" }, { needed: true, pruneSystems: "2026-12-07T05:00:00Z" }).spec.template.spec;
    expect(pod.initContainers[1]!.env).toContainEqual({ name: "PUCK_PRUNE_SYSTEMS", value: "2026-12-07T05:00:00Z" });
  });

  type Resources = Sprite["spec"]["resources"];
  it.each<{ name: string; given: Resources; want: Resources }>([
    { name: "none given: the documented default requests", given: undefined, want: { requests: { cpu: "100m", memory: "256Mi" } } },
    { name: "a request given is kept; the other is defaulted", given: { requests: { memory: "2Gi" } }, want: { requests: { memory: "2Gi", cpu: "100m" } } },
    {
      name: "a limit alone gets no default request (Kubernetes requests the limit; a default above it would be invalid)",
      given: { limits: { cpu: "50m", memory: "64Mi" } },
      want: { limits: { cpu: "50m", memory: "64Mi" } },
    },
    { name: "other resources pass through", given: { limits: { "nvidia.com/gpu": "1" } }, want: { limits: { "nvidia.com/gpu": "1" }, requests: { cpu: "100m", memory: "256Mi" } } },
  ])("resources: $name", ({ given, want }) => expect(mainResources(given)).toEqual(want));

  it("once the home is set up, pods made later start without the setup containers and their volume", () => {
    const pod = desiredStatefulSet(sprite, 1, { agentImage: "puck-agent:dev" }, { needed: false }).spec.template.spec;
    expect(pod.initContainers).toEqual([]);
    expect(pod.volumes.map((v) => v.name)).toEqual(["home", "agent-token", "services"]);
  });

  it("the pod goes where the Sprite's nodeSelector and tolerations say, and names neither when it says nothing", () => {
    const placed: Sprite = {
      ...sprite,
      spec: { ...sprite.spec, nodeSelector: { "kubernetes.io/hostname": "b" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "sprites", effect: "NoSchedule" }] },
    };
    const pod = desiredStatefulSet(placed, 1, { agentImage: "puck-agent:dev" }).spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/hostname": "b" });
    expect(pod.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "sprites", effect: "NoSchedule" }]);
    const plain = desiredStatefulSet(sprite, 1, { agentImage: "puck-agent:dev" }).spec.template.spec;
    expect("nodeSelector" in plain || "tolerations" in plain).toBe(false);
  });

  it("the Service is headless and selects the pod", () => {
    expect(desiredService(sprite)).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "dev", namespace: "team", labels: labels("sprite"), ownerReferences: owner },
      spec: {
        clusterIP: "None",
        selector: { "puck.sandwich.labs/sprite": "dev", "app.kubernetes.io/component": "sprite" },
        publishNotReadyAddresses: true,
      },
    });
  });

  it("the agent's Role allows reading its own Sprite and patching its own status, nothing else", () => {
    expect(desiredRole(sprite).rules).toEqual([
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites"], resourceNames: ["dev"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites/status"], resourceNames: ["dev"], verbs: ["patch"] },
    ]);
    expect(desiredRoleBinding(sprite)).toMatchObject({
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "dev-agent" },
      subjects: [{ kind: "ServiceAccount", name: "dev-agent", namespace: "team" }],
    });
    expect(desiredServiceAccount(sprite)).toMatchObject({ metadata: { name: "dev-agent" }, automountServiceAccountToken: false });
  });
});
