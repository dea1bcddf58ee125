using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.OpenStack;

/// <summary>
/// OpenStack as the portal calls it: Keystone v3 at <c>/v3</c> (password and application-credential tokens, with a
/// service catalog that points back here), and per region the subsets of Nova (<c>/{region}/compute/v2.1</c>),
/// Glance (<c>/{region}/image</c>) and Neutron (<c>/{region}/network</c>) the portal uses. Every service call needs a
/// live X-Auth-Token. A user name or an application credential id is a key of <see cref="EmulatedCloud.Credentials"/>,
/// its password or secret the value.
/// </summary>
public sealed class OpenStackEmulator(TimeProvider? clock = null) : CloudEmulator
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private int _tokensIssued;

    public override string Kind => "OpenStack";

    internal TimeProvider Clock { get; } = clock ?? TimeProvider.System;

    /// <summary>How long a token lives.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The one project of the emulated cloud; password tokens are scoped to it by name (or id).</summary>
    public string ProjectName { get; set; } = "sandbox";

    public string ProjectId => IdOf("project", ProjectName);

    /// <summary>How many tokens Keystone issued.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>
    /// Forgets every token issued, as a Keystone whose tokens were revoked: the next calls get a 401.
    /// </summary>
    public void RevokeTokens() => _tokens.Clear();

    public override void Map(WebApplication app, EmulatedCloud cloud)
    {
        // A Func, not a lambda, so that MapPost binds it as a handler whose IResult is written, not a RequestDelegate.
        Func<HttpContext, Task<IResult>> issueToken = http => IssueTokenAsync(http, cloud);
        app.MapPost("/v3/auth/tokens", issueToken);
        new NovaEmulation(this, cloud).Map(app);
        new GlanceAndNeutronEmulation(this, cloud).Map(app);
    }

    /// <summary>A stable uuid for something the emulated cloud names (a network, a group, the project).</summary>
    public static string IdOf(string kind, string name) =>
        new Guid(MD5.HashData(Encoding.UTF8.GetBytes($"{kind}:{name}"))).ToString("D");

    /// <summary>
    /// Null when the request carries a live token; else Keystone's 401, as keystonemiddleware answers it.
    /// </summary>
    internal IResult? Unauthenticated(HttpContext http)
    {
        var token = http.Request.Headers["X-Auth-Token"].ToString();
        return token.Length > 0 && _tokens.TryGetValue(token, out var expires) && Clock.GetUtcNow() < expires
            ? null
            : Unauthorized();
    }

    internal static IResult Json(JsonNode body, int status = 200) =>
        Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8, status);

    internal static async Task<JsonNode?> ReadAsync(HttpContext http)
    {
        try
        {
            return await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<IResult> IssueTokenAsync(HttpContext http, EmulatedCloud cloud)
    {
        var body = await ReadAsync(http);
        var identity = body?["auth"]?["identity"];
        var methods = identity?["methods"] is JsonArray list ? list.Select(m => (string?)m).ToList() : [];
        string user;
        if (methods.Contains("password"))
        {
            var who = identity?["password"]?["user"];
            user = (string?)who?["name"] ?? "";
            if (!IsDefaultDomain(who?["domain"]) || !cloud.Accepts(user, (string?)who?["password"] ?? ""))
                return Unauthorized();
            var project = body?["auth"]?["scope"]?["project"];
            var named = (string?)project?["name"] == ProjectName && IsDefaultDomain(project?["domain"]);
            if (project is null || !(named || (string?)project["id"] == ProjectId))
                return Unauthorized();
        }
        else if (methods.Contains("application_credential"))
        {
            var credential = identity?["application_credential"];
            user = (string?)credential?["id"] ?? "";
            if (!cloud.Accepts(user, (string?)credential?["secret"] ?? ""))
                return Unauthorized();
        }
        else
            return Json(
                KeystoneError(
                    400,
                    "Bad Request",
                    "Expecting to find identity in auth - the server could not comply with the request since it is "
                        + "either malformed or otherwise incorrect. The client is assumed to be in error."
                ),
                400
            );
        var token = "gAAAAA" + Base64Url(RandomNumberGenerator.GetBytes(48));
        var issued = Clock.GetUtcNow();
        var expires = issued + TokenLifetime;
        _tokens[token] = expires;
        Interlocked.Increment(ref _tokensIssued);
        http.Response.Headers["X-Subject-Token"] = token;
        return Json(
            new JsonObject { ["token"] = TokenBody(http, cloud, methods[0] ?? "", user, issued, expires) },
            201
        );
    }

    private JsonObject TokenBody(
        HttpContext http,
        EmulatedCloud cloud,
        string method,
        string user,
        DateTimeOffset issued,
        DateTimeOffset expires
    )
    {
        var root = $"{http.Request.Scheme}://{http.Request.Host}";
        var catalog = new JsonArray();
        foreach (
            var (type, name, prefix) in new[]
            {
                ("compute", "nova", "compute/v2.1"),
                ("image", "glance", "image"),
                ("network", "neutron", "network"),
            }
        )
        {
            var endpoints = new JsonArray();
            foreach (var region in cloud.Regions.Keys)
            foreach (var face in new[] { "public", "internal" })
                endpoints.Add(
                    new JsonObject
                    {
                        ["id"] = IdOf($"endpoint:{type}:{face}", region).Replace("-", "", StringComparison.Ordinal),
                        ["interface"] = face,
                        ["region"] = region,
                        ["region_id"] = region,
                        ["url"] = $"{root}/{region}/{prefix}",
                    }
                );
            catalog.Add(
                new JsonObject
                {
                    ["id"] = IdOf("service", type).Replace("-", "", StringComparison.Ordinal),
                    ["type"] = type,
                    ["name"] = name,
                    ["endpoints"] = endpoints,
                }
            );
        }
        var domain = new JsonObject { ["id"] = "default", ["name"] = "Default" };
        return new JsonObject
        {
            ["methods"] = new JsonArray(method),
            ["user"] = new JsonObject
            {
                ["id"] = IdOf("user", user).Replace("-", "", StringComparison.Ordinal),
                ["name"] = user,
                ["domain"] = domain.DeepClone(),
                ["password_expires_at"] = null,
            },
            ["audit_ids"] = new JsonArray(Base64Url(RandomNumberGenerator.GetBytes(16))),
            ["issued_at"] = issued.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["expires_at"] = expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["project"] = new JsonObject
            {
                ["id"] = ProjectId,
                ["name"] = ProjectName,
                ["domain"] = domain.DeepClone(),
            },
            ["is_domain"] = false,
            ["roles"] = new JsonArray(new JsonObject { ["id"] = IdOf("role", "member"), ["name"] = "member" }),
            ["catalog"] = catalog,
        };
    }

    private static bool IsDefaultDomain(JsonNode? domain) =>
        domain is null || (string?)domain["name"] == "Default" || (string?)domain["id"] == "default";

    private static IResult Unauthorized() =>
        Json(KeystoneError(401, "Unauthorized", "The request you have made requires authentication."), 401);

    private static JsonObject KeystoneError(int code, string title, string message) =>
        new()
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["title"] = title,
            },
        };

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
