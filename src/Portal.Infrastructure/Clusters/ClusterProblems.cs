using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// What a job tells a user when a cluster refused or could not be reached: the cluster's own words when it gave some.
/// </summary>
public static class ClusterProblems
{
    public static string Explain(Exception e) =>
        e switch
        {
            HttpOperationException http when StatusMessage(http.Response.Content) is { } message =>
                $"The cluster refused: {message}",
            HttpOperationException http =>
                $"The cluster answered {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}.",
            _ => KubernetesClusterGateway.Explain(e, "the cluster")?.Message ?? e.Message,
        };

    private static string? StatusMessage(string? content)
    {
        try
        {
            return content is null ? null : KubernetesJson.Deserialize<V1Status>(content)?.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
