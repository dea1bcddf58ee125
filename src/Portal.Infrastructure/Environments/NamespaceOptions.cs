using Microsoft.Extensions.Options;
using Portal.Domain.Environments;

namespace Portal.Infrastructure.Environments;

/// <summary>Bound from <c>Portal:Namespaces</c>.</summary>
public sealed class NamespaceOptions
{
    public const string Section = "Portal:Namespaces";

    /// <summary>
    /// Where a pod finds the namespace it runs in: the portal's own, reserved when it runs inside a cluster.
    /// </summary>
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>
    /// Namespaces no environment may have, besides the built-in ones (<see cref="ReservedNamespaces.BuiltIn"/>):
    /// names ("portal-system") or prefixes ("corp-*"). The portal's own namespace goes here when the portal runs in a
    /// cluster it manages under another service account; with its own service account it is found by itself.
    /// </summary>
    public List<string> Reserved { get; set; } = [];

    /// <summary>
    /// How long deleting an environment or a tenant waits for a namespace to be gone before the operation fails (and
    /// can be retried).
    /// </summary>
    public TimeSpan DeletionTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The configured entries and the namespace this process runs in, when it runs in a cluster.</summary>
    public IEnumerable<string> AllReserved()
    {
        var own = File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : "";
        return own.Length > 0 ? [.. Reserved, own] : Reserved;
    }
}

/// <summary>Refuses to start with a reserved entry that is neither a name nor a prefix, naming it.</summary>
public sealed class NamespaceOptionsValidation : IValidateOptions<NamespaceOptions>
{
    public ValidateOptionsResult Validate(string? name, NamespaceOptions options)
    {
        var reserved = ReservedNamespaces.Parse(options.Reserved);
        if (!reserved.Succeeded)
            return ValidateOptionsResult.Fail($"{NamespaceOptions.Section}:Reserved: {reserved.Problem!.Message}");
        return options.DeletionTimeout > TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{NamespaceOptions.Section}:DeletionTimeout must be positive.");
    }
}
