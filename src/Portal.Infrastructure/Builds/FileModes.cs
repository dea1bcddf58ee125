namespace Portal.Infrastructure.Builds;

/// <summary>
/// Files created with their Unix permissions from the start (a key readable by its owner only, a script executable),
/// never widened after creation; on Windows, where there are none, with the platform's defaults.
/// </summary>
internal static class FileModes
{
    public static FileStream Create(string path, FileAccess access, UnixFileMode mode, bool asynchronous = false)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = access,
            Options = asynchronous ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        return new FileStream(path, options);
    }

    public static int Of(string path) => OperatingSystem.IsWindows() ? 0b110_100_100 : (int)File.GetUnixFileMode(path);
}
