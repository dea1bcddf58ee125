using Portal.Sandbox.Api;

namespace Portal.Sandbox.Faults;

/// <summary>
/// Applies the request-level faults (refused credentials, latency, 429, 500) to API calls; watch faults live in the
/// watch handler.
/// </summary>
internal sealed class FaultInjection(SandboxFaults faults)
{
    /// <summary>Returns false when the request was answered with an injected failure.</summary>
    public async Task<bool> ApplyAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.StartsWith("/api", StringComparison.Ordinal))
        {
            return true;
        }
        var request = $"{context.Request.Method} {path}{context.Request.QueryString}";
        faults.Received(request);
        if (faults.TakeCredentialRefusal(path))
        {
            await KubernetesApi.WriteJsonAsync(context, 401, ApiException.Status(401, "Unauthorized", "Unauthorized"));
            return false;
        }
        if (faults.Latency is { Ticks: > 0 } latency)
        {
            await Task.Delay(latency, context.RequestAborted);
        }
        if (SandboxFaults.Roll(faults.ThrottleRate))
        {
            faults.Throttling(request);
            context.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(
                System.Globalization.CultureInfo.InvariantCulture
            );
            var status = ApiException.Status(429, "TooManyRequests", "Too many requests, please try again later.");
            status["details"] = new System.Text.Json.Nodes.JsonObject
            {
                ["retryAfterSeconds"] = faults.RetryAfterSeconds,
            };
            await KubernetesApi.WriteJsonAsync(context, 429, status);
            return false;
        }
        if (SandboxFaults.Roll(faults.ErrorRate))
        {
            faults.Failing();
            await KubernetesApi.WriteJsonAsync(
                context,
                500,
                ApiException.Status(
                    500,
                    "InternalError",
                    "Internal error occurred: injected by the sandbox fault settings"
                )
            );
            return false;
        }
        return true;
    }
}
