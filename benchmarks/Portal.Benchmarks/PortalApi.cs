using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Benchmarks;

/// <summary>
/// The portal's API (`/api/v1`) as the platform admin of a <see cref="WebProcess"/>: a user token from the CLI's
/// authorization code flow with PKCE, obtained with the admin's signed-in session, as `portal-cli` would.
/// </summary>
internal sealed class PortalApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
    private const string CliClient = "portal-cli";
    private const string CliRedirect = "http://127.0.0.1:8765/callback";

    private PortalApi(HttpClient client) => Client = client;

    public HttpClient Client { get; }

    public static async Task<PortalApi> SignInAsync(WebProcess web, CancellationToken ct)
    {
        await web.SignInAsync(ct);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(48));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var authorize = await web.Client.GetAsync(
            "/connect/authorize?client_id="
                + $"{CliClient}&response_type=code&scope=openid%20portal.api&redirect_uri="
                + $"{Uri.EscapeDataString(CliRedirect)}"
                + $"&code_challenge={challenge}&code_challenge_method=S256",
            ct
        );
        var location = authorize.Headers.Location
            ?? throw new InvalidOperationException(
                $"The authorization endpoint answered {(int)authorize.StatusCode} without a redirect."
            );
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        if (code.Length == 0)
            throw new InvalidOperationException($"No authorization code in {location}.");
        using var form = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["client_id"] = CliClient,
                ["code"] = code,
                ["redirect_uri"] = CliRedirect,
                ["code_verifier"] = verifier,
            }
        );
        using var token = await web.Client.PostAsync("/connect/token", form, ct);
        var body = await token.Content.ReadFromJsonAsync<JsonElement>(ct);
        if (!token.IsSuccessStatusCode)
            throw new InvalidOperationException($"The token endpoint answered {(int)token.StatusCode}: {body}");
        var client = new HttpClient(
            new SocketsHttpHandler
            {
                UseCookies = false,
                UseProxy = false,
                AllowAutoRedirect = false,
            }
        )
        {
            BaseAddress = web.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            body.GetProperty("access_token").GetString()
        );
        return new PortalApi(client);
    }

    /// <summary>
    /// Sends a JSON body; the answer must have the status given, else the problem details are thrown.
    /// </summary>
    public async Task<JsonElement> SendAsync(
        HttpMethod method,
        string path,
        object? body,
        HttpStatusCode expected,
        CancellationToken ct
    )
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body, options: Json),
        };
        using var response = await Client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
            throw new ApiRefused(method, path, response.StatusCode, text);
        return text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
    }

    /// <summary>The operation id of a 202 answer.</summary>
    public async Task<Guid> AcceptedAsync(string path, object body, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Post, path, body, HttpStatusCode.Accepted, ct)).GetProperty("operation").GetGuid();

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => Client.Dispose();
}

internal sealed class ApiRefused(HttpMethod method, string path, HttpStatusCode status, string body)
    : Exception($"{method} {path} answered {(int)status}: {body}")
{
    public HttpStatusCode Status { get; } = status;
}
