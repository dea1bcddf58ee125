using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace Portal.Web.Tests.Support;

/// <summary>
/// An HTTP client that behaves like a browser on the server-rendered pages: cookies and anti-forgery tokens.
/// </summary>
public sealed partial class BrowserSession
{
    /// <summary>
    /// A browser at the portal's own origin, or at <paramref name="origin"/> (e.g. plain http://localhost).
    /// </summary>
    public BrowserSession(PortalFactory factory, Uri? origin = null) =>
        Http = factory.CreateDefaultClient(origin ?? PortalFactory.Origin, new CookieContainerHandler(Cookies));

    public HttpClient Http { get; }

    /// <summary>The cookies the portal gave this browser, such as its session cookie.</summary>
    public CookieContainer Cookies { get; } = new();

    public async Task SignInAsync(string email, string password)
    {
        var response = await PostFormAsync(
            "/account/login",
            new() { ["Email"] = email, ["Password"] = password },
            "/account/login"
        );
        Assert.True(
            response.StatusCode == HttpStatusCode.Redirect,
            $"Sign-in of {email} failed: {(int)response.StatusCode}"
        );
    }

    public Task<HttpResponseMessage> GetAsync(string url) => Http.GetAsync(url);

    /// <summary>Posts a form the way the page would, with the anti-forgery token of a page that holds a form.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(
        string url,
        Dictionary<string, string> fields,
        string? tokenPage = null
    )
    {
        var token = await AntiforgeryTokenAsync(tokenPage ?? "/account/password");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token };
        return await Http.PostAsync(url, new FormUrlEncodedContent(form));
    }

    /// <summary>
    /// Posts a multipart form (a file upload) the way the page would, the anti-forgery token first among its fields.
    /// </summary>
    public async Task<HttpResponseMessage> PostMultipartAsync(
        string url,
        MultipartFormDataContent form,
        string tokenPage
    )
    {
        var token = await AntiforgeryTokenAsync(tokenPage);
        var withToken = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        foreach (var part in form)
            withToken.Add(part);
        return await Http.PostAsync(url, withToken);
    }

    /// <summary>The anti-forgery token of a page that holds a form, for this browser's cookies.</summary>
    public async Task<string> AntiforgeryTokenAsync(string page)
    {
        var html = await Http.GetStringAsync(page);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"No anti-forgery token on {page}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
