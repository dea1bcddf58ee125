namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>Bound from <c>Portal:Builds:Buildah</c>: the local builder.</summary>
public sealed class BuildahOptions
{
    public const string Section = "Portal:Builds:Buildah";

    public string Executable { get; set; } = BuildTools.Buildah;

    /// <summary>
    /// Where each tenant's image storage and layer cache live (a folder per tenant); empty means App_Data/builds under
    /// the content root.
    /// </summary>
    public string StorageDirectory { get; set; } = "";

    /// <summary>
    /// The storage driver of the images: "auto" (overlay where the kernel mounts it for buildah, else vfs), "overlay"
    /// or "vfs" (<see cref="BuildahStorageDriver"/>).
    /// </summary>
    public string StorageDriver { get; set; } = BuildahStorageDriver.Auto;

    /// <summary>Builds running at once; the others wait in the order they came. One per core is a fair start.</summary>
    public int ConcurrentBuilds { get; set; } = 2;

    /// <summary>
    /// Builds of one tenant running at once, so that one tenant cannot fill every slot. One also means a failed build
    /// can tell its own working containers in the tenant's storage from those of another build, and remove just those.
    /// </summary>
    public int ConcurrentBuildsPerTenant { get; set; } = 1;

    /// <summary>The longest a build may take, test and push included, unless the build asks for less.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many of a failed build's last lines its message quotes.</summary>
    public int FailureLines { get; set; } = 15;

    public string? Invalid() =>
        ConcurrentBuilds < 1 || ConcurrentBuildsPerTenant < 1
            ? $"{Section}:ConcurrentBuilds and ConcurrentBuildsPerTenant are at least 1."
        : !BuildahStorageDriver.IsKnown(StorageDriver) ? $"{Section}:StorageDriver is auto, overlay or vfs."
        : Timeout <= TimeSpan.Zero ? $"{Section}:Timeout must be positive."
        : FailureLines is < 1 or > 200 ? $"{Section}:FailureLines is 1 to 200."
        : null;
}
