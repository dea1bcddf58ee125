namespace Portal.Sandbox.Api;

/// <summary>One served resource type: what discovery advertises and how paths and objects are named.</summary>
public sealed record ResourceKind(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    bool HasStatus,
    bool HasScale
)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string GroupVersion => ApiVersion;

    /// <summary>"pods" or "deployments.apps", as used in quota counts and error messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public bool HasSpec => Kind is not ("ConfigMap" or "Secret" or "Event" or "Namespace" or "LimitRange");

    public override string ToString() => GroupResource;
}

/// <summary>The resource types the sandbox serves.</summary>
public static class ResourceKinds
{
    private static readonly string[] All_ = ["all"];

    public static readonly ResourceKind Namespace = new(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        ["ns"],
        [],
        true,
        false
    );
    public static readonly ResourceKind Node = new("", "v1", "nodes", "node", "Node", false, ["no"], [], true, false);
    public static readonly ResourceKind Pod = new("", "v1", "pods", "pod", "Pod", true, ["po"], All_, true, false);
    public static readonly ResourceKind Event = new(
        "",
        "v1",
        "events",
        "event",
        "Event",
        true,
        ["ev"],
        [],
        false,
        false
    );
    public static readonly ResourceKind ConfigMap = new(
        "",
        "v1",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        ["cm"],
        [],
        false,
        false
    );
    public static readonly ResourceKind Secret = new(
        "",
        "v1",
        "secrets",
        "secret",
        "Secret",
        true,
        [],
        [],
        false,
        false
    );
    public static readonly ResourceKind Service = new(
        "",
        "v1",
        "services",
        "service",
        "Service",
        true,
        ["svc"],
        All_,
        true,
        false
    );
    public static readonly ResourceKind PersistentVolumeClaim = new(
        "",
        "v1",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
        ["pvc"],
        [],
        true,
        false
    );
    public static readonly ResourceKind ResourceQuota = new(
        "",
        "v1",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        true,
        ["quota"],
        [],
        true,
        false
    );
    public static readonly ResourceKind LimitRange = new(
        "",
        "v1",
        "limitranges",
        "limitrange",
        "LimitRange",
        true,
        ["limits"],
        [],
        false,
        false
    );
    public static readonly ResourceKind Deployment = new(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        ["deploy"],
        All_,
        true,
        true
    );
    public static readonly ResourceKind ReplicaSet = new(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        ["rs"],
        All_,
        true,
        true
    );
    public static readonly ResourceKind StatefulSet = new(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        ["sts"],
        All_,
        true,
        true
    );
    public static readonly ResourceKind Job = new("batch", "v1", "jobs", "job", "Job", true, [], All_, true, false);
    public static readonly ResourceKind Ingress = new(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "ingress",
        "Ingress",
        true,
        ["ing"],
        [],
        true,
        false
    );
    public static readonly ResourceKind NetworkPolicy = new(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        true,
        ["netpol"],
        [],
        false,
        false
    );
    public static readonly ResourceKind HorizontalPodAutoscaler = new(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        ["hpa"],
        All_,
        true,
        false
    );
    public static readonly ResourceKind PodDisruptionBudget = new(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        ["pdb"],
        [],
        true,
        false
    );

    public static readonly IReadOnlyList<ResourceKind> All =
    [
        Namespace,
        Node,
        Pod,
        Event,
        ConfigMap,
        Secret,
        Service,
        PersistentVolumeClaim,
        ResourceQuota,
        LimitRange,
        Deployment,
        ReplicaSet,
        StatefulSet,
        Job,
        Ingress,
        NetworkPolicy,
        HorizontalPodAutoscaler,
        PodDisruptionBudget,
    ];

    private static readonly Dictionary<(string Group, string Version, string Plural), ResourceKind> ByPath =
        All.ToDictionary(k => (k.Group, k.Version, k.Plural));

    private static readonly Dictionary<string, ResourceKind> ByKindName = All.ToDictionary(
        k => k.Kind,
        StringComparer.Ordinal
    );

    public static ResourceKind? Find(string group, string version, string plural) =>
        ByPath.GetValueOrDefault((group, version, plural));

    public static ResourceKind? FindByKind(string kind) => ByKindName.GetValueOrDefault(kind);

    public static IEnumerable<IGrouping<string, ResourceKind>> Groups =>
        All.Where(k => k.Group.Length > 0).GroupBy(k => k.Group);
}
