using Portal.Infrastructure.Builds.Buildah;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Which storage driver buildah keeps images with.</summary>
public sealed class BuildahStorageDriverTests
{
    [Fact]
    public void A_driver_other_than_auto_overlay_or_vfs_is_refused_at_start()
    {
        var options = new BuildahOptions { StorageDriver = "zfs" };

        Assert.Equal("Portal:Builds:Buildah:StorageDriver is auto, overlay or vfs.", options.Invalid());
        Assert.Null(new BuildahOptions().Invalid());
    }

    [Fact]
    public async Task A_driver_named_in_the_settings_is_taken_as_it_is()
    {
        Assert.Equal("vfs", await BuildahStorageDriver.ResolveAsync("/nonexistent/buildah", "vfs"));
    }

    [Fact]
    public async Task Auto_falls_back_to_vfs_where_overlay_cannot_be_tried()
    {
        Assert.Equal("vfs", await BuildahStorageDriver.ResolveAsync("/bin/false", BuildahStorageDriver.Auto));
    }
}
