namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Where operations on middleware instance point (their kinds are in <see cref="Domain.Operations.OperationKinds"/>).
/// </summary>
public static class MiddlewareOperations
{
    public static string Target(string instance, string environment) => $"{instance}/{environment}";
}
