using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.VSphere;

/// <summary>
/// The vSphere Automation API (<c>/api/…</c>) as the provider calls it: a session per account, made with basic auth
/// (<c>POST /api/session</c>) and sent as <c>vmware-api-session-id</c>, kept until vCenter answers 401 and then made
/// again once; vCenter's errors (<c>{"error_type", "messages":[{"default_message"}]}</c>) become
/// <see cref="CloudRefusal"/>s; 429 and 5xx are retried a few times with backoff.
/// </summary>
public sealed class VSphereApi(IHttpClientFactory httpClients, TimeProvider clock)
{
    public const string SessionHeader = "vmware-api-session-id";

    private const int Attempts = 4;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>Makes a new session with the account's credentials, whatever is cached, and keeps it.</summary>
    public async Task<string> LoginAsync(CloudAccess access, CancellationToken ct)
    {
        var session = _sessions.GetOrAdd(SessionKey(access), _ => new Session());
        await session.Gate.WaitAsync(ct);
        try
        {
            session.Id = await CreateSessionAsync(access, ct);
            return session.Id;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    public async Task<JsonNode?> GetAsync(CloudAccess access, string path, CancellationToken ct) =>
        await SendAsync(access, HttpMethod.Get, path, null, ct);

    /// <summary>
    /// A GET whose 503 is an answer rather than a failure (a guest's identity while VMware Tools is not running), so
    /// only throttling is retried.
    /// </summary>
    public async Task<JsonNode?> GetOnceUnavailableAsync(CloudAccess access, string path, CancellationToken ct) =>
        await SendAsync(access, HttpMethod.Get, path, null, ct, retryServerErrors: false);

    public async Task<JsonNode?> PostAsync(CloudAccess access, string path, JsonNode? body, CancellationToken ct) =>
        await SendAsync(access, HttpMethod.Post, path, body, ct);

    public async Task<JsonNode?> PutAsync(CloudAccess access, string path, JsonNode? body, CancellationToken ct) =>
        await SendAsync(access, HttpMethod.Put, path, body, ct);

    public async Task DeleteAsync(CloudAccess access, string path, CancellationToken ct) =>
        await SendAsync(access, HttpMethod.Delete, path, null, ct);

    /// <summary>Calls the API in the account's session; a 401 makes the session again once and calls again.</summary>
    public async Task<JsonNode?> SendAsync(
        CloudAccess access,
        HttpMethod method,
        string path,
        JsonNode? body,
        CancellationToken ct,
        bool retryServerErrors = true
    )
    {
        var sessionId = await SessionIdAsync(access, ct);
        var (status, text) = await SendWithRetriesAsync(access, method, path, body, sessionId, retryServerErrors, ct);
        if (status == HttpStatusCode.Unauthorized)
        {
            sessionId = await RenewSessionAsync(access, sessionId, ct);
            (status, text) = await SendWithRetriesAsync(access, method, path, body, sessionId, retryServerErrors, ct);
        }
        if ((int)status is >= 200 and < 300)
            return text.Length == 0 ? null : JsonNode.Parse(text);
        throw Refusal(status, text, $"{method} {PathOnly(path)}");
    }

    private async Task<string> SessionIdAsync(CloudAccess access, CancellationToken ct)
    {
        var session = _sessions.GetOrAdd(SessionKey(access), _ => new Session());
        if (session.Id is { } known)
            return known;
        await session.Gate.WaitAsync(ct);
        try
        {
            return session.Id ??= await CreateSessionAsync(access, ct);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Makes the session again, unless another call made it again since this one was refused.</summary>
    private async Task<string> RenewSessionAsync(CloudAccess access, string refused, CancellationToken ct)
    {
        var session = _sessions.GetOrAdd(SessionKey(access), _ => new Session());
        await session.Gate.WaitAsync(ct);
        try
        {
            if (session.Id is { } current && current != refused)
                return current;
            session.Id = await CreateSessionAsync(access, ct);
            return session.Id;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private async Task<string> CreateSessionAsync(CloudAccess access, CancellationToken ct)
    {
        var (status, text) = await SendWithRetriesAsync(access, HttpMethod.Post, "api/session", null, null, true, ct);
        if ((int)status is < 200 or >= 300)
            throw Refusal(status, text, "POST /api/session");
        return JsonNode.Parse(text)?.GetValue<string>()
            ?? throw new CloudRefusal(CloudRefusalKind.Unavailable, "vCenter answered the session with no id.");
    }

    private async Task<(HttpStatusCode Status, string Body)> SendWithRetriesAsync(
        CloudAccess access,
        HttpMethod method,
        string path,
        JsonNode? body,
        string? sessionId,
        bool retryServerErrors,
        CancellationToken ct
    )
    {
        var http = httpClients.CreateClient(nameof(CloudKind.VSphere));
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(BaseAddress(access), path));
            if (sessionId is null)
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic",
                    Convert.ToBase64String(
                        Encoding.UTF8.GetBytes(
                            $"{access.Setting(VSphereFields.UserName)}:" + access.Secret(VSphereFields.Password)
                        )
                    )
                );
            else
                request.Headers.Add(SessionHeader, sessionId);
            if (body is not null)
                request.Content = JsonContent.Create(body);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException e)
            {
                if (attempt < Attempts)
                {
                    await Task.Delay(backoff, clock, ct);
                    backoff *= 2;
                    continue;
                }
                throw new CloudRefusal(
                    CloudRefusalKind.Unavailable,
                    $"vCenter at {BaseAddress(access)} could not be reached: {e.Message}",
                    inner: e
                );
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                var status = response.StatusCode;
                var transient = status == HttpStatusCode.TooManyRequests || (retryServerErrors && (int)status >= 500);
                if (!transient || attempt >= Attempts)
                    return (status, text);
                var wait = response.Headers.RetryAfter?.Delta
                    ?? response.Headers.RetryAfter?.Date - clock.GetUtcNow()
                    ?? backoff;
                await Task.Delay(
                    wait < TimeSpan.Zero ? TimeSpan.Zero
                        : wait < LongestWait ? wait
                        : LongestWait,
                    clock,
                    ct
                );
                backoff *= 2;
            }
        }
    }

    private static Uri BaseAddress(CloudAccess access)
    {
        var endpoint = access.Endpoint
            ?? throw new CloudRefusal(CloudRefusalKind.Invalid, "A vSphere account needs its vCenter's URL.");
        var text = endpoint.ToString();
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    private static string SessionKey(CloudAccess access) =>
        string.Join('\n', access.AccountId, access.Endpoint, access.Setting(VSphereFields.UserName));

    /// <summary>The call as a refusal names it: its path and action, without its filters.</summary>
    private static string PathOnly(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
            return "/" + path;
        var action = path[(query + 1)..]
            .Split('&')
            .FirstOrDefault(p => p.StartsWith("action=", StringComparison.Ordinal));
        return "/" + path[..query] + (action is null ? "" : "?" + action);
    }

    /// <summary>vCenter's error in its own words: its error_type as the code, its default messages as words.</summary>
    public static CloudRefusal Refusal(HttpStatusCode status, string body, string call)
    {
        var (type, message) = ReadError(body);
        var code = type ?? ((int)status).ToString(CultureInfo.InvariantCulture);
        var kind = (status, type) switch
        {
            (_, "UNABLE_TO_ALLOCATE_RESOURCE") => CloudRefusalKind.Quota,
            (HttpStatusCode.TooManyRequests, _) => CloudRefusalKind.Throttled,
            (>= HttpStatusCode.InternalServerError, _) => CloudRefusalKind.Unavailable,
            _ => type switch
            {
                "UNAUTHENTICATED" or "UNAUTHORIZED" => CloudRefusalKind.Credentials,
                "SERVICE_UNAVAILABLE" or "TIMED_OUT" => CloudRefusalKind.Unavailable,
                _ => status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    ? CloudRefusalKind.Credentials
                    : CloudRefusalKind.Invalid,
            },
        };
        var words = message ?? (body.Length > 0 && body.Length < 300 ? body : status.ToString());
        return new CloudRefusal(kind, $"{code}: {words} ({call})", code);
    }

    private static (string? Type, string? Message) ReadError(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject error)
                return (null, null);
            var type = error["error_type"]?.GetValue<string>();
            var messages = (error["messages"] as JsonArray)
                ?.Select(m => m?["default_message"]?.GetValue<string>())
                .Where(m => !string.IsNullOrEmpty(m))
                .ToList();
            return (type, messages is { Count: > 0 } ? string.Join(" ", messages) : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private sealed class Session
    {
        private string? _id;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Id
        {
            get => Volatile.Read(ref _id);
            set => Volatile.Write(ref _id, value);
        }
    }
}
