namespace Portal.Web.Common;

/// <summary>
/// The web root is the repository's top-level <c>wwwroot/</c>; the build copies it beside the binaries, so
/// the portal finds it there whether started by <c>dotnet run</c>, a test host or a published image.
/// </summary>
internal static class WebRoot
{
    public static string? Locate()
    {
        var besideBinaries = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return Directory.Exists(besideBinaries) ? besideBinaries : null;
    }
}
