namespace Portal.Sandbox.Api.Protobuf;

internal enum FieldShape
{
    String,
    Bytes,
    Int,
    Bool,
    Message,
    StringMap,
    BytesMap,
    QuantityMap,
    Quantity,
    Time,
    IntOrString,
}

/// <summary>
/// One field of a generated.proto message: its number, its JSON name and shape. <c>KeepZero</c> marks Go pointer
/// fields, whose zero value is sent on purpose (replicas: 0, emptyDir: {}); <c>Inline</c> marks embedded structs
/// whose fields JSON spells at the parent's level (a Volume's VolumeSource).
/// </summary>
internal sealed record ProtoField(
    int Number,
    string Json,
    FieldShape Shape,
    string? Message = null,
    bool Repeated = false,
    bool KeepZero = false,
    bool Inline = false
);

/// <summary>
/// The field numbers of the k8s.io/api generated.proto messages kubectl's typed clients send: the kinds of
/// <c>kubectl create namespace|secret|configmap|deployment|service|job|pdb</c>, and drain's Eviction and DeleteOptions.
/// A field missing here is refused with 415 rather than dropped.
/// </summary>
internal static class ProtobufSchemas
{
    private static ProtoField S(int n, string json, bool keep = false) =>
        new(n, json, FieldShape.String, KeepZero: keep);

    private static ProtoField Strings(int n, string json) => new(n, json, FieldShape.String, Repeated: true);

    private static ProtoField I(int n, string json, bool keep = false) => new(n, json, FieldShape.Int, KeepZero: keep);

    private static ProtoField B(int n, string json, bool keep = false) => new(n, json, FieldShape.Bool, KeepZero: keep);

    private static ProtoField M(int n, string json, string message, bool keep = false) =>
        new(n, json, FieldShape.Message, message, KeepZero: keep);

    private static ProtoField List(int n, string json, string message) =>
        new(n, json, FieldShape.Message, message, Repeated: true);

    private static ProtoField Map(int n, string json) => new(n, json, FieldShape.StringMap);

    public static readonly IReadOnlyDictionary<string, ProtoField[]> Messages = new Dictionary<string, ProtoField[]>
    {
        ["ObjectMeta"] =
        [
            S(1, "name"),
            S(2, "generateName"),
            S(3, "namespace"),
            S(4, "selfLink"),
            S(5, "uid"),
            S(6, "resourceVersion"),
            I(7, "generation"),
            new(8, "creationTimestamp", FieldShape.Time),
            new(9, "deletionTimestamp", FieldShape.Time),
            I(10, "deletionGracePeriodSeconds", keep: true),
            Map(11, "labels"),
            Map(12, "annotations"),
            List(13, "ownerReferences", "OwnerReference"),
            Strings(14, "finalizers"),
        ],
        ["OwnerReference"] =
        [
            S(1, "kind"),
            S(3, "name"),
            S(4, "uid"),
            S(5, "apiVersion"),
            B(6, "controller", keep: true),
            B(7, "blockOwnerDeletion", keep: true),
        ],
        ["LabelSelector"] = [Map(1, "matchLabels"), List(2, "matchExpressions", "LabelSelectorRequirement")],
        ["LabelSelectorRequirement"] = [S(1, "key"), S(2, "operator"), Strings(3, "values")],
        ["Namespace"] =
        [
            M(1, "metadata", "ObjectMeta"),
            M(2, "spec", "NamespaceSpec"),
            M(3, "status", "NamespaceStatus"),
        ],
        ["NamespaceSpec"] = [Strings(1, "finalizers")],
        ["NamespaceStatus"] = [S(1, "phase")],
        ["Secret"] =
        [
            M(1, "metadata", "ObjectMeta"),
            new(2, "data", FieldShape.BytesMap),
            S(3, "type"),
            Map(4, "stringData"),
            B(5, "immutable", keep: true),
        ],
        ["ConfigMap"] =
        [
            M(1, "metadata", "ObjectMeta"),
            Map(2, "data"),
            new(3, "binaryData", FieldShape.BytesMap),
            B(4, "immutable", keep: true),
        ],
        ["Deployment"] =
        [
            M(1, "metadata", "ObjectMeta"),
            M(2, "spec", "DeploymentSpec"),
            M(3, "status", "DeploymentStatus"),
        ],
        ["DeploymentSpec"] =
        [
            I(1, "replicas", keep: true),
            M(2, "selector", "LabelSelector", keep: true),
            M(3, "template", "PodTemplateSpec"),
            M(4, "strategy", "DeploymentStrategy"),
            I(5, "minReadySeconds"),
            I(6, "revisionHistoryLimit", keep: true),
            B(7, "paused"),
            I(9, "progressDeadlineSeconds", keep: true),
        ],
        ["DeploymentStrategy"] = [S(1, "type"), M(2, "rollingUpdate", "RollingUpdateDeployment", keep: true)],
        ["RollingUpdateDeployment"] =
        [
            new(1, "maxUnavailable", FieldShape.IntOrString, KeepZero: true),
            new(2, "maxSurge", FieldShape.IntOrString, KeepZero: true),
        ],
        ["DeploymentStatus"] =
        [
            I(1, "observedGeneration"),
            I(2, "replicas"),
            I(3, "updatedReplicas"),
            I(4, "availableReplicas"),
            I(5, "unavailableReplicas"),
            I(7, "readyReplicas"),
        ],
        ["PodTemplateSpec"] = [M(1, "metadata", "ObjectMeta"), M(2, "spec", "PodSpec")],
        ["PodSpec"] =
        [
            List(1, "volumes", "Volume"),
            List(2, "containers", "Container"),
            S(3, "restartPolicy"),
            I(4, "terminationGracePeriodSeconds", keep: true),
            I(5, "activeDeadlineSeconds", keep: true),
            S(6, "dnsPolicy"),
            Map(7, "nodeSelector"),
            S(8, "serviceAccountName"),
            S(9, "serviceAccount"),
            S(10, "nodeName"),
            B(11, "hostNetwork"),
            B(12, "hostPID"),
            B(13, "hostIPC"),
            M(14, "securityContext", "PodSecurityContext", keep: true),
            List(15, "imagePullSecrets", "LocalObjectReference"),
            S(16, "hostname"),
            S(17, "subdomain"),
            S(19, "schedulerName"),
            List(20, "initContainers", "Container"),
            B(21, "automountServiceAccountToken", keep: true),
            List(22, "tolerations", "Toleration"),
            S(24, "priorityClassName"),
            I(25, "priority", keep: true),
            S(29, "runtimeClassName", keep: true),
            B(30, "enableServiceLinks", keep: true),
        ],
        ["PodSecurityContext"] =
        [
            I(2, "runAsUser", keep: true),
            B(3, "runAsNonRoot", keep: true),
            new(4, "supplementalGroups", FieldShape.Int, Repeated: true),
            I(5, "fsGroup", keep: true),
            I(6, "runAsGroup", keep: true),
        ],
        ["LocalObjectReference"] = [S(1, "name")],
        ["Toleration"] =
        [
            S(1, "key"),
            S(2, "operator"),
            S(3, "value"),
            S(4, "effect"),
            I(5, "tolerationSeconds", keep: true),
        ],
        ["Container"] =
        [
            S(1, "name"),
            S(2, "image"),
            Strings(3, "command"),
            Strings(4, "args"),
            S(5, "workingDir"),
            List(6, "ports", "ContainerPort"),
            List(7, "env", "EnvVar"),
            M(8, "resources", "ResourceRequirements"),
            List(9, "volumeMounts", "VolumeMount"),
            S(13, "terminationMessagePath"),
            S(14, "imagePullPolicy"),
            M(15, "securityContext", "SecurityContext", keep: true),
            B(16, "stdin"),
            B(17, "stdinOnce"),
            B(18, "tty"),
            S(20, "terminationMessagePolicy"),
        ],
        ["ContainerPort"] = [S(1, "name"), I(2, "hostPort"), I(3, "containerPort"), S(4, "protocol"), S(5, "hostIP")],
        ["EnvVar"] = [S(1, "name"), S(2, "value"), M(3, "valueFrom", "EnvVarSource", keep: true)],
        ["EnvVarSource"] =
        [
            M(1, "fieldRef", "ObjectFieldSelector", keep: true),
            M(3, "configMapKeyRef", "KeySelector", keep: true),
            M(4, "secretKeyRef", "KeySelector", keep: true),
        ],
        ["ObjectFieldSelector"] = [S(1, "apiVersion"), S(2, "fieldPath")],
        ["KeySelector"] =
        [
            new(1, "", FieldShape.Message, "LocalObjectReference", Inline: true),
            S(2, "key"),
            B(3, "optional", keep: true),
        ],
        ["ResourceRequirements"] =
        [
            new(1, "limits", FieldShape.QuantityMap),
            new(2, "requests", FieldShape.QuantityMap),
        ],
        ["VolumeMount"] = [S(1, "name"), B(2, "readOnly"), S(3, "mountPath"), S(4, "subPath")],
        ["SecurityContext"] =
        [
            M(1, "capabilities", "Capabilities", keep: true),
            B(2, "privileged", keep: true),
            I(4, "runAsUser", keep: true),
            B(5, "runAsNonRoot", keep: true),
            B(6, "readOnlyRootFilesystem", keep: true),
            B(7, "allowPrivilegeEscalation", keep: true),
            I(8, "runAsGroup", keep: true),
        ],
        ["Capabilities"] = [Strings(1, "add"), Strings(2, "drop")],
        ["Volume"] = [S(1, "name"), new(2, "", FieldShape.Message, "VolumeSource", Inline: true)],
        ["VolumeSource"] =
        [
            M(1, "hostPath", "HostPathVolumeSource", keep: true),
            M(2, "emptyDir", "EmptyDirVolumeSource", keep: true),
            M(6, "secret", "SecretVolumeSource", keep: true),
            M(10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource", keep: true),
            M(19, "configMap", "ConfigMapVolumeSource", keep: true),
        ],
        ["HostPathVolumeSource"] = [S(1, "path"), S(2, "type", keep: true)],
        ["EmptyDirVolumeSource"] = [S(1, "medium"), new(2, "sizeLimit", FieldShape.Quantity, KeepZero: true)],
        ["SecretVolumeSource"] =
        [
            S(1, "secretName"),
            List(2, "items", "KeyToPath"),
            I(3, "defaultMode", keep: true),
            B(4, "optional", keep: true),
        ],
        ["ConfigMapVolumeSource"] =
        [
            new(1, "", FieldShape.Message, "LocalObjectReference", Inline: true),
            List(2, "items", "KeyToPath"),
            I(3, "defaultMode", keep: true),
            B(4, "optional", keep: true),
        ],
        ["KeyToPath"] = [S(1, "key"), S(2, "path"), I(3, "mode", keep: true)],
        ["PersistentVolumeClaimVolumeSource"] = [S(1, "claimName"), B(2, "readOnly")],
        ["Service"] = [M(1, "metadata", "ObjectMeta"), M(2, "spec", "ServiceSpec"), M(3, "status", "ServiceStatus")],
        ["ServiceSpec"] =
        [
            List(1, "ports", "ServicePort"),
            Map(2, "selector"),
            S(3, "clusterIP"),
            S(4, "type"),
            Strings(5, "externalIPs"),
            S(7, "sessionAffinity"),
            S(8, "loadBalancerIP"),
            Strings(9, "loadBalancerSourceRanges"),
            S(10, "externalName"),
            S(11, "externalTrafficPolicy"),
            I(12, "healthCheckNodePort"),
            B(13, "publishNotReadyAddresses"),
        ],
        ["ServicePort"] =
        [
            S(1, "name"),
            S(2, "protocol"),
            I(3, "port"),
            new(4, "targetPort", FieldShape.IntOrString),
            I(5, "nodePort"),
            S(6, "appProtocol", keep: true),
        ],
        ["ServiceStatus"] = [M(1, "loadBalancer", "LoadBalancerStatus")],
        ["LoadBalancerStatus"] = [],
        ["Job"] = [M(1, "metadata", "ObjectMeta"), M(2, "spec", "JobSpec"), M(3, "status", "JobStatus")],
        ["JobSpec"] =
        [
            I(1, "parallelism", keep: true),
            I(2, "completions", keep: true),
            I(3, "activeDeadlineSeconds", keep: true),
            M(4, "selector", "LabelSelector", keep: true),
            B(5, "manualSelector", keep: true),
            M(6, "template", "PodTemplateSpec"),
            I(7, "backoffLimit", keep: true),
            I(8, "ttlSecondsAfterFinished", keep: true),
            S(9, "completionMode", keep: true),
            B(10, "suspend", keep: true),
        ],
        ["JobStatus"] = [I(4, "active"), I(5, "succeeded"), I(6, "failed"), S(7, "completedIndexes")],
        ["PodDisruptionBudget"] =
        [
            M(1, "metadata", "ObjectMeta"),
            M(2, "spec", "PodDisruptionBudgetSpec"),
            M(3, "status", "PodDisruptionBudgetStatus"),
        ],
        ["PodDisruptionBudgetSpec"] =
        [
            new(1, "minAvailable", FieldShape.IntOrString, KeepZero: true),
            M(2, "selector", "LabelSelector", keep: true),
            new(3, "maxUnavailable", FieldShape.IntOrString, KeepZero: true),
            S(4, "unhealthyPodEvictionPolicy", keep: true),
        ],
        ["PodDisruptionBudgetStatus"] =
        [
            I(1, "observedGeneration"),
            I(3, "disruptionsAllowed"),
            I(4, "currentHealthy"),
            I(5, "desiredHealthy"),
            I(6, "expectedPods"),
        ],
        ["Eviction"] = [M(1, "metadata", "ObjectMeta"), M(2, "deleteOptions", "DeleteOptions", keep: true)],
        ["DeleteOptions"] =
        [
            I(1, "gracePeriodSeconds", keep: true),
            M(2, "preconditions", "Preconditions", keep: true),
            B(3, "orphanDependents", keep: true),
            S(4, "propagationPolicy", keep: true),
            Strings(5, "dryRun"),
        ],
        ["Preconditions"] = [S(1, "uid", keep: true), S(2, "resourceVersion", keep: true)],
    };
}
