using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.Alibaba;

/// <summary>
/// One signed RPC call to ECS: the action's parameters as a form body, retried with backoff while ECS throttles or
/// fails, and every refusal turned into a <see cref="CloudRefusal"/> in Alibaba's words.
/// </summary>
/// <remarks>
/// The parameters go in the body rather than the query because RunInstances' UserData (up to 32 KB, base64) would
/// make a URL longer than servers take.
/// </remarks>
internal sealed class AlibabaApi(IHttpClientFactory httpClients, TimeProvider clock)
{
    public const string Version = "2014-05-26";
    private const int Attempts = 4;
    private static readonly TimeSpan _firstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan _longestRetryAfter = TimeSpan.FromSeconds(30);

    public async Task<JsonElement> CallAsync(
        CloudAccess access,
        string action,
        List<KeyValuePair<string, string>> parameters,
        CancellationToken ct
    )
    {
        for (var attempt = 1; ; attempt++)
        {
            var (answer, refusal, retryAfter) = await SendOnceAsync(access, action, parameters, ct);
            if (refusal is null)
                return answer;
            if (!refusal.Transient || attempt >= Attempts)
                throw refusal;
            var backoff = _firstBackoff * Math.Pow(2, attempt - 1);
            await Task.Delay(
                retryAfter is { } wait && wait > backoff ? Min(wait, _longestRetryAfter) : backoff,
                clock,
                ct
            );
        }
    }

    private async Task<(JsonElement Answer, CloudRefusal? Refusal, TimeSpan? RetryAfter)> SendOnceAsync(
        CloudAccess access,
        string action,
        List<KeyValuePair<string, string>> parameters,
        CancellationToken ct
    )
    {
        var endpoint = access.Endpoint ?? new Uri($"https://ecs.{access.Region}.aliyuncs.com/");
        var body = Encoding.UTF8.GetBytes(
            string.Join(
                '&',
                parameters.Select(p =>
                    AcsRequestSigner.PercentEncode(p.Key) + "=" + AcsRequestSigner.PercentEncode(p.Value)
                )
            )
        );
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = endpoint.Authority,
            ["x-acs-action"] = action,
            ["x-acs-version"] = Version,
            ["x-acs-date"] = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["x-acs-signature-nonce"] = Guid.NewGuid().ToString("N"),
            ["x-acs-content-sha256"] = AcsRequestSigner.HexSha256(body),
            ["content-type"] = "application/x-www-form-urlencoded",
        };
        var signature = AcsRequestSigner.Sign(
            "POST",
            "/",
            [],
            headers,
            access.Secret(AlibabaCloudProvider.AccessKeyIdField),
            access.Secret(AlibabaCloudProvider.AccessKeySecretField)
        );
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", headers["content-type"]);
        foreach (var (name, value) in headers.Where(h => h.Key.StartsWith("x-acs-", StringComparison.Ordinal)))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        try
        {
            using var response = await httpClients.CreateClient(nameof(CloudKind.Alibaba)).SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
                return (Parse(text), null, null);
            return (default, Refusal(response.StatusCode, text, action), response.Headers.RetryAfter?.Delta);
        }
        catch (HttpRequestException e)
        {
            return (default, Unreachable(endpoint, e), null);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            return (default, Unreachable(endpoint, e), null);
        }
        catch (JsonException e)
        {
            return (
                default,
                new CloudRefusal(CloudRefusalKind.Unavailable, $"ECS answered {action} with no JSON.", null, e),
                null
            );
        }
    }

    private static CloudRefusal Unreachable(Uri endpoint, Exception e) =>
        new(
            CloudRefusalKind.Unavailable,
            $"Alibaba Cloud ECS at {endpoint.Authority} could not be reached: {e.Message}",
            null,
            e
        );

    /// <summary>Alibaba's error body: {RequestId, HostId, Code, Message, Recommend}.</summary>
    internal static CloudRefusal Refusal(HttpStatusCode status, string body, string action)
    {
        string code = "",
            message = "";
        try
        {
            using var error = JsonDocument.Parse(body);
            code = Text(error.RootElement, "Code");
            message = Text(error.RootElement, "Message");
        }
        catch (JsonException) { }
        if (code.Length == 0)
            code = ((int)status).ToString(CultureInfo.InvariantCulture);
        if (message.Length == 0)
            message = $"ECS refused {action} ({(int)status} {status}).";
        var kind = code switch
        {
            _ when code.StartsWith("Throttling", StringComparison.Ordinal) => CloudRefusalKind.Throttled,
            _ when (int)status >= 500 || code is "ServiceUnavailable" or "InternalError" =>
                CloudRefusalKind.Unavailable,
            _ when code.StartsWith("InvalidAccessKeyId", StringComparison.Ordinal) => CloudRefusalKind.Credentials,
            "SignatureDoesNotMatch" or "IncompleteSignature" or "InvalidAccessKeySecret" =>
                CloudRefusalKind.Credentials,
            _ when code.StartsWith("Forbidden", StringComparison.Ordinal) => CloudRefusalKind.Credentials,
            _ when code.StartsWith("QuotaExceed", StringComparison.Ordinal) => CloudRefusalKind.Quota,
            _ when status == HttpStatusCode.TooManyRequests => CloudRefusalKind.Throttled,
            _ when status is HttpStatusCode.Unauthorized => CloudRefusalKind.Credentials,
            _ => CloudRefusalKind.Invalid,
        };
        return new CloudRefusal(kind, $"{code}: {message}", code);
    }

    internal static CloudInstance Instance(JsonElement instance)
    {
        var tags = Items(instance, "Tags", "Tag")
            .GroupBy(t => Text(t, "TagKey"), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Text(g.First(), "TagValue"), StringComparer.Ordinal);
        var privateAddress = Addresses(instance, "VpcAttributes", "PrivateIpAddress").FirstOrDefault()
            ?? Addresses(instance, "InnerIpAddress", null).FirstOrDefault();
        var eip = instance.TryGetProperty("EipAddress", out var e) ? Text(e, "IpAddress") : "";
        var publicAddress = Addresses(instance, "PublicIpAddress", null).FirstOrDefault()
            ?? (eip.Length > 0 ? eip : null);
        var created = DateTime.TryParse(
            Text(instance, "CreationTime"),
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
            out var at
        )
            ? at
            : (DateTime?)null;
        return new CloudInstance(
            Text(instance, "InstanceId"),
            Text(instance, "InstanceName"),
            Text(instance, "Status") switch
            {
                "Pending" or "Starting" => CloudInstanceState.Pending,
                "Running" => CloudInstanceState.Running,
                "Stopping" => CloudInstanceState.Stopping,
                "Stopped" => CloudInstanceState.Stopped,
                _ => CloudInstanceState.Failed,
            },
            privateAddress,
            publicAddress,
            Text(instance, "InstanceType"),
            Text(instance, "ZoneId"),
            tags,
            created
        );
    }

    /// <summary>The items of ECS's doubly wrapped lists: {"Instances": {"Instance": [...]}}.</summary>
    internal static IEnumerable<JsonElement> Items(JsonElement parent, string list, string item) =>
        parent.ValueKind == JsonValueKind.Object
        && parent.TryGetProperty(list, out var wrapper)
        && wrapper.ValueKind == JsonValueKind.Object
        && wrapper.TryGetProperty(item, out var items)
        && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : [];

    internal static string Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "",
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => "",
            }
            : "";

    private static IEnumerable<string> Addresses(JsonElement instance, string name, string? inner)
    {
        if (!instance.TryGetProperty(name, out var holder))
            return [];
        if (inner is not null && !holder.TryGetProperty(inner, out holder))
            return [];
        return holder.TryGetProperty("IpAddress", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(a => a.GetString() ?? "").Where(a => a.Length > 0)
            : [];
    }

    private static JsonElement Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
