namespace Portal.Infrastructure.Middleware;

/// <summary>The kinds of operation <see cref="InstanceProvisioner"/> carries out; each targets "{instance}/{environment}".</summary>
public static class MiddlewareOperations
{
    public const string Provision = "middleware.provision";
    public const string Update = "middleware.update";
    public const string Restart = "middleware.restart";
    public const string Delete = "middleware.delete";

    public static readonly IReadOnlyList<string> All = [Provision, Update, Restart, Delete];

    public static string Target(string instance, string environment) => $"{instance}/{environment}";
}
