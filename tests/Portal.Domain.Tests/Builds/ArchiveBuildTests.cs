using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Domain.Tests.Builds;

public sealed class ArchiveBuildTests
{
    private static readonly DateTime T0 = new(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc);
    private static readonly string Sha = "AB12CD34EF56" + new string('0', 52);

    private static BuildArchive Archive(string? name = "shop-1.2.tar.gz") => BuildArchive.Of(name, 2048, Sha).Value;

    [Fact]
    public void An_archives_build_has_its_file_name_as_ref_no_commit_and_an_image_tag_made_of_its_sha256()
    {
        var build = Build.QueueArchive(Guid.NewGuid(), Guid.NewGuid(), 3, Archive(), "ada@shop.example", T0);

        Assert.Equal(4, build.Number);
        Assert.Equal("shop-1.2.tar.gz", build.Ref);
        Assert.Null(build.Commit);
        Assert.Equal((2048L, Sha.ToLowerInvariant()), (build.Archive!.SizeBytes, build.Archive.Sha256));
        Assert.Equal("archive-ab12cd34ef56", build.Archive.ImageTag);
        Assert.True(ImageTags.IsValid(build.Archive.ImageTag));
    }

    [Fact]
    public void An_archives_build_succeeds_without_a_commit()
    {
        var build = Build.QueueArchive(Guid.NewGuid(), Guid.NewGuid(), 0, Archive(), "ada@shop.example", T0);
        build.Start(T0);

        build.Succeed(new PushedImage("r/acme/shop", "archive-ab12cd34ef56", "sha256:" + Sha, 10), T0.AddMinutes(1));

        Assert.Equal(BuildState.Succeeded, build.State);
    }

    [Fact]
    public void A_rebuild_of_an_archives_build_is_refused_since_its_archive_is_gone()
    {
        var build = Build.QueueArchive(Guid.NewGuid(), Guid.NewGuid(), 0, Archive(), "ada@shop.example", T0);

        var rebuild = build.CommitToRebuild();

        Assert.Equal(ProblemKind.Conflict, rebuild.Problem?.Kind);
        Assert.Contains("upload the archive again", rebuild.Problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd.tar.gz", "passwd.tar.gz")]
    [InlineData("C:\\Users\\ada\\shop.zip", "shop.zip")]
    [InlineData("shop\u0007.zip", "shop.zip")]
    [InlineData("", "archive")]
    [InlineData(null, "archive")]
    [InlineData("..", "archive")]
    public void An_archives_file_name_keeps_only_its_last_part_without_control_characters(string? name, string kept)
    {
        Assert.Equal(kept, Archive(name).FileName);
    }

    [Fact]
    public void An_archives_file_name_is_cut_to_what_the_column_holds()
    {
        Assert.Equal(BuildArchive.FileNameMaxLength, Archive(new string('a', 400) + ".zip").FileName.Length);
    }

    [Fact]
    public void An_empty_archive_is_refused()
    {
        var archive = BuildArchive.Of("shop.zip", 0, Sha);

        Assert.Equal((ProblemKind.Invalid, "Archive"), (archive.Problem!.Kind, archive.Problem.Field));
    }
}

public sealed class ImageRetentionTests
{
    private static readonly DateTime T0 = new(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc);

    private static ImageRetention Keep(int n) =>
        ImageRetention.Keep(Guid.NewGuid(), Guid.NewGuid(), n, "ada", T0).Value;

    private static readonly RetainedImage[] NewestFirst =
    [
        new("sha256:5", ["c5", "main"]),
        new("sha256:4", ["c4"]),
        new("sha256:3", ["c3"]),
        new("sha256:2", ["c2"]),
        new("sha256:1", ["c1"]),
    ];

    [Fact]
    public void Images_beyond_the_newest_n_are_deleted_with_all_their_tags()
    {
        var deleted = Keep(2).ToDelete(NewestFirst, new HashSet<string>());

        Assert.Equal(["sha256:3", "sha256:2", "sha256:1"], deleted.Select(i => i.Digest));
    }

    [Fact]
    public void An_old_image_an_environment_runs_is_kept()
    {
        var deleted = Keep(2).ToDelete(NewestFirst, new HashSet<string> { "sha256:2" });

        Assert.Equal(["sha256:3", "sha256:1"], deleted.Select(i => i.Digest));
    }

    [Fact]
    public void Nothing_is_deleted_while_there_are_no_more_images_than_kept()
    {
        Assert.Empty(Keep(5).ToDelete(NewestFirst, new HashSet<string>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ImageRetention.MaxKeepLast + 1)]
    public void A_number_kept_out_of_range_is_refused_at_its_field(int n)
    {
        var rule = ImageRetention.Keep(Guid.NewGuid(), Guid.NewGuid(), n, "ada", T0);

        Assert.Equal((ProblemKind.Invalid, ImageRetention.Field), (rule.Problem!.Kind, rule.Problem.Field));
    }
}
