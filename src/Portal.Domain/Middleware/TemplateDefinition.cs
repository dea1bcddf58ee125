using System.Text.Json.Serialization;

namespace Portal.Domain.Middleware;

/// <summary>
/// What a middleware template is made of: the versions and sizes on offer, the parameters a developer fills in, the
/// ports and credentials of an instance, how applications connect to it, and the Liquid template of its Kubernetes
/// objects. Stored as one JSON column (System.Text.Json, default options), so every part is a plain record; lists are
/// copied on the way in, so a definition never changes after it is made, and two definitions are equal when every
/// item of every list is, in order.
/// </summary>
public sealed partial record TemplateDefinition
{
    public IReadOnlyList<TemplateVersion> Versions
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<TemplatePlan> Plans
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<TemplateParameter> Parameters
    {
        get;
        init => field = Freeze(value);
    } = [];

    /// <summary>The ports of an instance; the first is the one clients connect to.</summary>
    public IReadOnlyList<TemplatePort> Ports
    {
        get;
        init => field = Freeze(value);
    } = [];

    /// <summary>
    /// Secrets generated when an instance is provisioned, kept in the instance's Secret under these keys.
    /// </summary>
    public IReadOnlyList<CredentialSpec> Credentials
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<ConnectionStringTemplate> ConnectionStrings
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<BindingVariable> BindingVariables
    {
        get;
        init => field = Freeze(value);
    } = [];

    /// <summary>Liquid that renders the instance's Kubernetes objects as multi-document YAML.</summary>
    public string ObjectsTemplate { get; init; } = "";

    public TemplateVersion? FindVersion(string? version) => Versions.FirstOrDefault(v => v.Version == version);

    public TemplatePlan? FindPlan(string? name) => Plans.FirstOrDefault(p => p.Name == name);

    /// <summary>The versions a new instance may take, newest first.</summary>
    public IReadOnlyList<TemplateVersion> VisibleVersions() =>
        Versions.Where(v => !v.Hidden).OrderByDescending(v => v.Version, VersionOrder.Comparer).ToList();

    /// <summary>
    /// The plans a new instance may take, in the order the template lists them (smallest first, by habit).
    /// </summary>
    public IReadOnlyList<TemplatePlan> VisiblePlans() => Plans.Where(p => !p.Hidden).ToList();

    /// <summary>
    /// The newest version a new instance may take: what the catalog calls latest and the new-instance form starts on.
    /// </summary>
    public TemplateVersion? LatestVersion() => VisibleVersions().FirstOrDefault();

    /// <summary>The plan a new instance starts on unless another is chosen: the first the template offers.</summary>
    public TemplatePlan? DefaultPlan() => Plans.FirstOrDefault(p => !p.Hidden);

    /// <summary>The client port: the first one listed, 0 when there is none (an invalid definition).</summary>
    public int ClientPort() => Ports.Count == 0 ? 0 : Ports[0].Port;

    public TemplateDefinition WithVersion(TemplateVersion version) => this with { Versions = [.. Versions, version] };

    public TemplateDefinition WithPlan(TemplatePlan plan) => this with { Plans = [.. Plans, plan] };

    public bool Equals(TemplateDefinition? other) =>
        other is not null
        && Versions.SequenceEqual(other.Versions)
        && Plans.SequenceEqual(other.Plans)
        && Parameters.SequenceEqual(other.Parameters)
        && Ports.SequenceEqual(other.Ports)
        && Credentials.SequenceEqual(other.Credentials)
        && ConnectionStrings.SequenceEqual(other.ConnectionStrings)
        && BindingVariables.SequenceEqual(other.BindingVariables)
        && ObjectsTemplate == other.ObjectsTemplate;

    public override int GetHashCode() =>
        HashCode.Combine(Versions.Count, Plans.Count, Parameters.Count, Ports.Count, ObjectsTemplate);

    // Null arrives from JSON that leaves a list out or writes null; an empty list is what the reader means.
    internal static IReadOnlyList<T> Freeze<T>(IReadOnlyList<T>? items) => items is null ? [] : [.. items];
}

/// <summary>
/// A version on offer: "16.4" runs <see cref="Image"/> (an official image with its tag). Instances upgrade only within
/// one <see cref="MajorLine"/> ("16"), which is a leading part of the version; a hidden version is not offered to new
/// instances, but those on it keep running.
/// </summary>
public sealed record TemplateVersion(string Version, string Image, string MajorLine, bool Hidden = false);

/// <summary>
/// A size on offer: what each replica requests and may use, the storage of each replica's volume, and the replica
/// count it starts with and may scale to.
/// </summary>
public sealed record TemplatePlan(
    string Name,
    string DisplayName,
    long CpuRequestMillis,
    long CpuLimitMillis,
    long MemoryRequestBytes,
    long MemoryLimitBytes,
    long StorageBytes,
    int Replicas,
    int MaxReplicas,
    bool Hidden = false
);

[JsonConverter(typeof(JsonStringEnumConverter<ParameterType>))]
public enum ParameterType
{
    String,
    Integer,
    Boolean,
    Choice,
}

/// <summary>
/// A value a developer may set when provisioning an instance. Integers are whole numbers, booleans "true" or "false";
/// a choice is one of <see cref="AllowedValues"/>; a string may be held to a <see cref="Pattern"/> (a .NET regular
/// expression the whole value must match). Templates read it as <c>params.{Name}</c>.
/// </summary>
public sealed record TemplateParameter(
    string Name,
    ParameterType Type,
    string? Default,
    IReadOnlyList<string> AllowedValues,
    bool Required,
    string Description,
    string? Pattern = null
)
{
    public IReadOnlyList<string> AllowedValues
    {
        get;
        init => field = TemplateDefinition.Freeze(value);
    } = TemplateDefinition.Freeze(AllowedValues);

    /// <summary>
    /// Whether a developer may give <paramref name="value"/>: of the type, one of the allowed values, of the pattern,
    /// not too long.
    /// </summary>
    public bool Accepts(string value) => ParameterRules.Check(this, value) is null;

    public bool Equals(TemplateParameter? other) =>
        other is not null
        && Name == other.Name
        && Type == other.Type
        && Default == other.Default
        && AllowedValues.SequenceEqual(other.AllowedValues)
        && Required == other.Required
        && Description == other.Description
        && Pattern == other.Pattern;

    public override int GetHashCode() =>
        HashCode.Combine(Name, Type, Default, AllowedValues.Count, Required, Description, Pattern);
}

/// <summary>
/// A port of the instance's client Service; the name follows the rules of named ports ("postgresql", "amqp").
/// </summary>
public sealed record TemplatePort(string Name, int Port);

/// <summary>
/// A secret generated at provisioning, <see cref="Length"/> characters long, kept in the instance's Secret under
/// <see cref="Key"/>.
/// </summary>
public sealed record CredentialSpec(string Key, int Length);

/// <summary>
/// How one kind of client connects ("JDBC", "psql URI", ".NET"): Liquid rendered with the instance's endpoint,
/// parameters and credentials.
/// </summary>
public sealed record ConnectionStringTemplate(string Label, string Template);

/// <summary>
/// A variable an application bound to the instance receives: either a value rendered from the endpoint and parameters
/// (never from credentials), or a key of the instance's Secret, which the application's pods read by reference.
/// </summary>
public sealed record BindingVariable(string Name, string? ValueTemplate, string? SecretKey);
