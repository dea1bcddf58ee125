using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>
/// Calls OpenStack's services for an account: one Keystone token per account, kept until shortly before it expires
/// and taken again once when a service answers 401; the service's public endpoint of the account's region from the
/// token's catalog; retries of throttled and failed calls, honouring Retry-After.
/// </summary>
public sealed class OpenStackApi(IHttpClientFactory httpFactory, TimeProvider clock)
{
    public const string Compute = "compute";
    public const string Image = "image";
    public const string Network = "network";

    /// <summary>
    /// The Nova microversion the portal speaks: server tags (2.52), the flavor embedded in a server (2.47).
    /// </summary>
    public const string ComputeMicroversion = "2.79";

    private const int Attempts = 4;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// A token good for a call; a new one when <paramref name="rejected"/> is the one the cache holds.
    /// </summary>
    public async Task<KeystoneToken> TokenAsync(CloudAccess access, string? rejected, CancellationToken ct)
    {
        var session = _sessions.GetOrAdd(OpenStackAccount.SessionKey(access), _ => new Session());
        if (Usable(session.Token, rejected) is { } cached)
            return cached;
        await session.Gate.WaitAsync(ct);
        try
        {
            if (Usable(session.Token, rejected) is { } taken)
                return taken;
            var token = await AuthenticateAsync(access, ct);
            session.Token = token;
            return token;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>
    /// Calls a service of the account's region; the answer's JSON, or null for an empty answer or (when
    /// <paramref name="nullWhenNotFound"/>) a 404.
    /// </summary>
    public async Task<JsonNode?> CallAsync(
        CloudAccess access,
        string service,
        HttpMethod method,
        string pathAndQuery,
        CancellationToken ct,
        JsonNode? body = null,
        bool nullWhenNotFound = false
    )
    {
        string? rejected = null;
        while (true)
        {
            var token = await TokenAsync(access, rejected, ct);
            var url = Join(token.EndpointOf(service, access.Region), pathAndQuery);
            // A create that failed on the server may have made the server: only the caller's search by tag may repeat
            // it. A throttled request was refused before any work, so that one is repeated.
            var reply = await ExchangeAsync(
                () => ServiceRequest(method, url, token.Value, service, body),
                repeatFailures: method != HttpMethod.Post,
                ct
            );
            if (reply.Status == HttpStatusCode.Unauthorized && rejected is null)
            {
                rejected = token.Value;
                continue;
            }
            if (reply.Status == HttpStatusCode.NotFound && nullWhenNotFound)
                return null;
            if (!reply.Succeeded)
                throw OpenStackRefusals.From(reply.Status, reply.Body);
            return reply.Body.Trim().Length == 0 ? null : JsonNode.Parse(reply.Body);
        }
    }

    private KeystoneToken? Usable(KeystoneToken? token, string? rejected) =>
        token is not null && token.Value != rejected && token.FreshAt(clock.GetUtcNow()) ? token : null;

    private async Task<KeystoneToken> AuthenticateAsync(CloudAccess access, CancellationToken ct)
    {
        var url = OpenStackAccount.TokensUrl(access);
        var body = OpenStackAccount.AuthRequest(access);
        var reply = await ExchangeAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                return request;
            },
            repeatFailures: true,
            ct
        );
        if (!reply.Succeeded)
            throw OpenStackRefusals.From(reply.Status, reply.Body);
        if (reply.SubjectToken is not { Length: > 0 } subjectToken)
            throw new CloudRefusal(
                CloudRefusalKind.Unavailable,
                $"Keystone at {url.Host} answered {(int)reply.Status} without an X-Subject-Token header."
            );
        return KeystoneToken.From(subjectToken, JsonNode.Parse(reply.Body) ?? new JsonObject(), clock.GetUtcNow());
    }

    private async Task<Reply> ExchangeAsync(Func<HttpRequestMessage> build, bool repeatFailures, CancellationToken ct)
    {
        var http = httpFactory.CreateClient(nameof(CloudKind.OpenStack));
        for (var attempt = 1; ; attempt++)
        {
            Reply reply;
            using var request = build();
            try
            {
                using var response = await http.SendAsync(request, ct);
                reply = new Reply(
                    response.StatusCode,
                    await response.Content.ReadAsStringAsync(ct),
                    response.Headers.TryGetValues("X-Subject-Token", out var tokens) ? tokens.FirstOrDefault() : null,
                    RetryAfter(response.Headers.RetryAfter)
                );
            }
            catch (Exception e)
                when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                if (!repeatFailures || attempt >= Attempts)
                    throw new CloudRefusal(
                        CloudRefusalKind.Unavailable,
                        $"OpenStack at {request.RequestUri?.Host} could not be reached: {e.Message}",
                        inner: e
                    );
                await Task.Delay(Backoff(attempt), clock, ct);
                continue;
            }
            var throttled = OpenStackRefusals.IsThrottled(reply.Status, reply.Body);
            var failed = (int)reply.Status >= 500;
            if (!(throttled || (failed && repeatFailures)) || attempt >= Attempts)
                return reply;
            var wait = reply.RetryAfter ?? Backoff(attempt);
            if (wait > LongestWait)
                return reply;
            await Task.Delay(wait, clock, ct);
        }
    }

    private HttpRequestMessage ServiceRequest(HttpMethod method, Uri url, string token, string service, JsonNode? body)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (service == Compute)
        {
            request.Headers.Add("OpenStack-API-Version", $"compute {ComputeMicroversion}");
            request.Headers.Add("X-OpenStack-Nova-API-Version", ComputeMicroversion);
        }
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>
    /// The endpoint and the path, without the version twice when the catalog's URL already ends with it.
    /// </summary>
    private static Uri Join(string endpoint, string pathAndQuery)
    {
        var root = endpoint.TrimEnd('/');
        var version = pathAndQuery.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (version.StartsWith('v') && root.EndsWith("/" + version, StringComparison.Ordinal))
            root = root[..^(version.Length + 1)];
        return new Uri(root + pathAndQuery);
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt - 1));

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta
        ?? (
            header?.Date is { } date
                ? (date - clock.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero)
                : null
        );

    private sealed class Session
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile KeystoneToken? Token;
    }

    private sealed record Reply(HttpStatusCode Status, string Body, string? SubjectToken, TimeSpan? RetryAfter)
    {
        public bool Succeeded => (int)Status is >= 200 and < 300;
    }
}
