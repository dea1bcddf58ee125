using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.Huawei;

/// <summary>
/// One signed call to a Huawei Cloud service: retried with backoff (honouring Retry-After) while the gateway throttles
/// or the service fails, every refusal turned into a <see cref="CloudRefusal"/> in Huawei's words.
/// </summary>
internal sealed class HuaweiApi(IHttpClientFactory httpClients, TimeProvider clock)
{
    private const int Attempts = 4;
    private static readonly TimeSpan _firstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan _longestRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>The answer, or null when the service answered 404 and <paramref name="notFoundIsNull"/>.</summary>
    public async Task<JsonElement?> CallAsync(
        CloudAccess access,
        string service,
        HttpMethod method,
        string path,
        IReadOnlyList<KeyValuePair<string, string>> query,
        JsonNode? body,
        CancellationToken ct,
        bool notFoundIsNull = false
    )
    {
        var endpoint = access.Endpoint
            ?? new Uri(
                service == "iam"
                    ? "https://iam.myhuaweicloud.com/"
                    : $"https://{service}.{access.Region}.myhuaweicloud.com/"
            );
        var payload = body is null ? [] : Encoding.UTF8.GetBytes(body.ToJsonString());
        for (var attempt = 1; ; attempt++)
        {
            var (answer, status, refusal, retryAfter) = await SendOnceAsync(
                access,
                endpoint,
                method,
                path,
                query,
                payload,
                ct
            );
            if (refusal is null)
                return answer;
            if (notFoundIsNull && status == HttpStatusCode.NotFound)
                return null;
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

    private async Task<(
        JsonElement Answer,
        HttpStatusCode Status,
        CloudRefusal? Refusal,
        TimeSpan? RetryAfter
    )> SendOnceAsync(
        CloudAccess access,
        Uri endpoint,
        HttpMethod method,
        string path,
        IReadOnlyList<KeyValuePair<string, string>> query,
        byte[] payload,
        CancellationToken ct
    )
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = endpoint.Authority,
            [SdkHmacSigner.DateHeader] = clock
                .GetUtcNow()
                .UtcDateTime.ToString(SdkHmacSigner.DateFormat, CultureInfo.InvariantCulture),
        };
        if (payload.Length > 0)
            headers["content-type"] = "application/json;charset=UTF-8";
        var signature = SdkHmacSigner.Sign(
            method.Method,
            path,
            query,
            headers,
            SdkHmacSigner.HexSha256(payload),
            access.Secret(HuaweiCloudProvider.AccessKeyField),
            access.Secret(HuaweiCloudProvider.SecretKeyField)
        );
        var queryString = string.Join(
            '&',
            query.Select(p => SdkHmacSigner.Encode(p.Key) + "=" + SdkHmacSigner.Encode(p.Value))
        );
        var uri = new Uri(endpoint, path + (queryString.Length > 0 ? "?" + queryString : ""));
        using var request = new HttpRequestMessage(method, uri);
        if (payload.Length > 0)
        {
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", headers["content-type"]);
        }
        request.Headers.TryAddWithoutValidation(SdkHmacSigner.DateHeader, headers[SdkHmacSigner.DateHeader]);
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        try
        {
            using var response = await httpClients.CreateClient(nameof(CloudKind.Huawei)).SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
                return (text.Length == 0 ? default : Parse(text), response.StatusCode, null, null);
            var retryAfter = response.Headers.RetryAfter?.Delta
                ?? (response.Headers.RetryAfter?.Date is { } at ? at - clock.GetUtcNow() : null);
            return (default, response.StatusCode, Refusal(response.StatusCode, text, $"{method} {path}"), retryAfter);
        }
        catch (HttpRequestException e)
        {
            return (default, default, Unreachable(endpoint, e), null);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            return (default, default, Unreachable(endpoint, e), null);
        }
        catch (JsonException e)
        {
            return (
                default,
                default,
                new CloudRefusal(
                    CloudRefusalKind.Unavailable,
                    $"Huawei Cloud answered {method} {path} with no JSON.",
                    null,
                    e
                ),
                null
            );
        }
    }

    private static CloudRefusal Unreachable(Uri endpoint, Exception e) =>
        new(
            CloudRefusalKind.Unavailable,
            $"Huawei Cloud at {endpoint.Authority} could not be reached: {e.Message}",
            null,
            e
        );

    /// <summary>
    /// The services' {"error": {"code", "message"}}, the API Gateway's {"error_code", "error_msg"} and the VPC
    /// service's {"code", "message"}, read alike.
    /// </summary>
    internal static CloudRefusal Refusal(HttpStatusCode status, string body, string call)
    {
        string code = "",
            message = "";
        try
        {
            using var error = JsonDocument.Parse(body);
            var root = error.RootElement;
            var inner = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
            code = FirstText(inner, "code", "error_code");
            message = FirstText(inner, "message", "error_msg");
        }
        catch (JsonException) { }
        if (code.Length == 0)
            code = ((int)status).ToString(CultureInfo.InvariantCulture);
        if (message.Length == 0)
            message = $"Huawei Cloud refused {call} ({(int)status} {status}).";
        return new CloudRefusal(KindOf(status, code), $"{code}: {message}", code);
    }

    internal static CloudRefusalKind KindOf(HttpStatusCode status, string code) =>
        code switch
        {
            "APIGW.0308" or "APIG.0308" => CloudRefusalKind.Throttled,
            _ when status == HttpStatusCode.TooManyRequests => CloudRefusalKind.Throttled,
            _ when (int)status >= 500 => CloudRefusalKind.Unavailable,
            "Ecs.0001" or "Ecs.0013" or "Ecs.0319" => CloudRefusalKind.Quota,
            _ when code.StartsWith("APIGW.03", StringComparison.Ordinal) => CloudRefusalKind.Credentials,
            _ when code.StartsWith("APIG.03", StringComparison.Ordinal) => CloudRefusalKind.Credentials,
            "Ecs.0003" => CloudRefusalKind.Credentials,
            _ when status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => CloudRefusalKind.Credentials,
            _ => CloudRefusalKind.Invalid,
        };

    internal static string Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "",
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => "",
            }
            : "";

    internal static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object
        && parent.TryGetProperty(name, out var items)
        && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : [];

    private static string FirstText(JsonElement parent, params string[] names) =>
        names.Select(n => Text(parent, n)).FirstOrDefault(t => t.Length > 0) ?? "";

    private static JsonElement Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
