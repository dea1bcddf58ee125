using Portal.Sandbox.Common;

namespace Portal.Sandbox.Api;

/// <summary>
/// Bearer-token check in front of the API: the admin token may do anything, the viewer token only read, a bootstrap
/// token (<see cref="BootstrapTokens"/>) only register nodes.
/// </summary>
internal sealed class Authentication(string adminToken, string readOnlyToken, BootstrapTokens bootstrapTokens)
{
    public const string ReadOnlyItem = "sandbox.readOnly";
    public const string ReadOnlyUser = "sandbox-viewer";

    public async Task<bool> AuthenticateAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path is "/version" or "/healthz" or "/livez" or "/readyz")
        {
            return true;
        }
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        if (token == adminToken)
        {
            return true;
        }
        if (token == readOnlyToken)
        {
            context.Items[ReadOnlyItem] = true;
            return true;
        }
        if (bootstrapTokens.Authenticate(token) is { } tokenId)
        {
            context.Items[BootstrapTokens.IdentityItem] = tokenId;
            return true;
        }
        context.Response.StatusCode = 401;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Json.ToBytes(ApiException.Status(401, "Unauthorized", "Unauthorized")));
        return false;
    }
}
