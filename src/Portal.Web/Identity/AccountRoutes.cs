namespace Portal.Web.Identity;

/// <summary>
/// The addresses of the sign-in and password pages: each template routes its actions, and its <c>…Url</c> method
/// makes links and redirects to them.
/// </summary>
public static class AccountRoutes
{
    public const string Login = "/account/login";
    public const string Logout = "/account/logout";
    public const string Password = "/account/password";

    public static string LoginUrl() => Login;

    public static string LogoutUrl() => Logout;

    public static string PasswordUrl() => Password;
}
