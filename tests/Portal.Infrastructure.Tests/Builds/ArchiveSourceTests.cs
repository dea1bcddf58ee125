using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ArchiveSourceTests : IDisposable
{
    private readonly string _workspace = Directory.CreateTempSubdirectory("archive-tests-").FullName;

    private string Target => Path.Combine(_workspace, "source");

    private static ArchiveSource Source(ArchiveOptions? limits = null) => new(Options.Create(limits ?? new()));

    [Fact]
    public async Task A_zip_with_one_top_level_folder_is_extracted_without_it()
    {
        var zip = Zip(
            ("shop-1a2b3c/", null),
            ("shop-1a2b3c/app.py", "print(1)"),
            ("shop-1a2b3c/web/index.html", "<p>")
        );

        var extracted = await Source().ExtractAsync(zip, Target, default);

        Assert.Equal(new ExtractedArchive(Target, 2, 11, "shop-1a2b3c"), extracted.Value);
        Assert.Equal("print(1)", File.ReadAllText(Path.Combine(Target, "app.py")));
        Assert.Equal("<p>", File.ReadAllText(Path.Combine(Target, "web/index.html")));
    }

    [Fact]
    public async Task A_tar_gz_as_github_makes_it_keeps_modes_and_inside_links_and_loses_its_top_folder()
    {
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(
                new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "abc" })
            );
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "shop-main/"));
            writer.WriteEntry(
                Entry("shop-main/gradlew", "#!/bin/sh", UnixFileMode.UserExecute | UnixFileMode.UserRead)
            );
            writer.WriteEntry(Entry("shop-main/lib/real.txt", "real"));
            writer.WriteEntry(Link("shop-main/bin/tool", "../lib/real.txt"));
            writer.WriteEntry(
                new PaxTarEntry(TarEntryType.HardLink, "shop-main/copy.txt") { LinkName = "shop-main/lib/real.txt" }
            );
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Equal("shop-main", extracted.Value.StrippedFolder);
        Assert.True(File.GetUnixFileMode(Path.Combine(Target, "gradlew")).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(Path.Combine(Target, "lib/real.txt")).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("real", File.ReadAllText(Path.Combine(Target, "bin/tool")));
        Assert.Equal("real", File.ReadAllText(Path.Combine(Target, "copy.txt")));
    }

    [Fact]
    public async Task An_archive_with_several_top_level_entries_keeps_them()
    {
        var extracted = await Source().ExtractAsync(Zip(("a.txt", "a"), ("b/c.txt", "c")), Target, default);

        Assert.Null(extracted.Value.StrippedFolder);
        Assert.True(File.Exists(Path.Combine(Target, "b/c.txt")));
    }

    [Fact]
    public async Task An_upload_that_cannot_seek_is_read_all_the_same()
    {
        var zip = Zip(("app.py", "print(1)"));

        var extracted = await Source().ExtractAsync(new ForwardOnly(zip), Target, default);

        Assert.True(extracted.Succeeded, extracted.Problem?.Message);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "portal-upload-*"));
    }

    public static TheoryData<string, string> RefusedZips =>
        new()
        {
            { "../evil.txt", "climbs out of the archive with '..'" },
            { "app/../../evil.txt", "climbs out of the archive with '..'" },
            { "/tmp/evil.txt", "is an absolute path" },
            { "..\\evil.txt", "climbs out of the archive with '..'" },
            { "C:/evil.txt", "is an absolute path" },
        };

    [Theory]
    [MemberData(nameof(RefusedZips))]
    public async Task A_zip_entry_outside_the_root_refuses_the_archive_and_leaves_nothing(string name, string reason)
    {
        var zip = Zip(("app/ok.txt", "fine"), (name, "evil"));

        var extracted = await Source().ExtractAsync(zip, Target, default);

        Assert.Equal("Archive", extracted.Problem!.Field);
        Assert.Contains(reason, extracted.Problem.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("../evil.txt", "climbs out of the archive with '..'")]
    [InlineData("/etc/evil.txt", "is an absolute path")]
    public async Task A_tar_entry_outside_the_root_refuses_the_archive_and_leaves_nothing(string name, string reason)
    {
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(Entry("ok.txt", "fine"));
            writer.WriteEntry(Entry(name, "evil"));
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Contains(reason, extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("../../etc", "outside the archive")]
    [InlineData("/etc/passwd", "an absolute path outside the archive")]
    [InlineData("a/../../..", "outside the archive")]
    public async Task A_tar_link_pointing_out_refuses_the_archive_and_leaves_nothing(string target, string reason)
    {
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(Entry("ok.txt", "fine"));
            writer.WriteEntry(Link("sub/link", target));
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Contains(reason, extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Links_that_climb_out_only_together_refuse_the_archive()
    {
        // Each alone stays inside when read as written; followed, "up" is the root's parent.
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(Entry("deep/ok.txt", "fine"));
            writer.WriteEntry(Link("self", "."));
            writer.WriteEntry(Link("deep/up", "../self/.."));
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Contains("leads outside the archive", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_file_written_through_a_link_refuses_the_archive()
    {
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(Link("out", "inside"));
            writer.WriteEntry(Entry("out/evil.txt", "evil"));
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.False(extracted.Succeeded);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_zip_link_pointing_out_refuses_the_archive_and_leaves_nothing()
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            var link = zip.CreateEntry("passwd");
            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
            using var writer = new StreamWriter(link.Open());
            writer.Write("../../../../etc/passwd");
        }
        stream.Position = 0;

        var extracted = await Source().ExtractAsync(stream, Target, default);

        Assert.Contains("outside the archive", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_hard_link_to_a_file_outside_refuses_the_archive()
    {
        var tar = TarGz(writer =>
            writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "passwd") { LinkName = "/etc/passwd" })
        );

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Contains("is an absolute path", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    [InlineData(TarEntryType.Fifo)]
    public async Task A_device_file_refuses_the_archive(TarEntryType type)
    {
        var tar = TarGz(writer =>
        {
            writer.WriteEntry(Entry("ok.txt", "fine"));
            writer.WriteEntry(new PaxTarEntry(type, "dev/thing"));
        });

        var extracted = await Source().ExtractAsync(tar, Target, default);

        Assert.Contains("device file", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Files_beyond_the_total_size_refuse_the_archive()
    {
        var zip = Zip(("a.txt", new string('a', 600)), ("b.txt", new string('b', 600)));

        var extracted = await Source(new ArchiveOptions { MaxTotalBytes = 1024, MaxEntryBytes = 1024 })
            .ExtractAsync(zip, Target, default);

        Assert.Contains("more than 1 KiB uncompressed", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_file_that_inflates_beyond_one_entrys_limit_refuses_the_archive()
    {
        // 8 MiB of zeros compress to a few KiB: the limit is on the file inflated, not on the upload.
        var tar = TarGz(writer => writer.WriteEntry(Entry("zeros.bin", new string('\0', 8 * 1024 * 1024))));

        var extracted = await Source(new ArchiveOptions { MaxEntryBytes = 1024 * 1024 })
            .ExtractAsync(tar, Target, default);

        Assert.Contains("'zeros.bin' is larger than 1 MiB", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task An_upload_larger_than_the_archive_limit_is_refused()
    {
        var zip = Zip(
            ("a.bin", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096)))
        );

        var extracted = await Source(new ArchiveOptions { MaxArchiveBytes = 1024 })
            .ExtractAsync(new ForwardOnly(zip), Target, default);

        Assert.Contains("The archive is larger than 1 KiB", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "portal-upload-*"));
    }

    [Fact]
    public async Task Too_many_entries_refuse_the_archive()
    {
        var zip = Zip(Enumerable.Range(0, 11).Select(i => ($"f{i}.txt", (string?)"x")).ToArray());

        var extracted = await Source(new ArchiveOptions { MaxEntries = 10 }).ExtractAsync(zip, Target, default);

        Assert.Contains("more than 10 files", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Something_that_is_no_archive_is_refused()
    {
        var extracted = await Source()
            .ExtractAsync(new MemoryStream(Encoding.UTF8.GetBytes("just text")), Target, default);

        Assert.Equal("The upload is neither a zip nor a tar.gz archive.", extracted.Problem!.Message);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_truncated_archive_is_said_to_be_damaged()
    {
        var whole = TarGz(writer => writer.WriteEntry(Entry("a.txt", new string('a', 100_000))));
        var half = new MemoryStream(whole.ToArray()[..(int)(whole.Length / 2)]);

        var extracted = await Source().ExtractAsync(half, Target, default);

        Assert.Contains("damaged", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_name_too_long_for_the_file_system_is_refused()
    {
        var extracted = await Source().ExtractAsync(Zip((new string('n', 300) + ".txt", "x")), Target, default);

        Assert.Contains("too long", extracted.Problem!.Message, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task An_empty_archive_is_refused()
    {
        var extracted = await Source().ExtractAsync(Zip(("empty/", null)), Target, default);

        Assert.Equal("The archive holds no files.", extracted.Problem!.Message);
        AssertNothingLeft();
    }

    private void AssertNothingLeft()
    {
        Assert.False(Path.Exists(Target));
        Assert.Empty(Directory.GetFileSystemEntries(_workspace));
    }

    private static MemoryStream Zip(params (string Name, string? Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name);
                if (content is null)
                    continue;
                using var writer = new StreamWriter(entry.Open());
                writer.Write(content);
            }
        }
        stream.Position = 0;
        return stream;
    }

    private static MemoryStream TarGz(Action<TarWriter> write)
    {
        var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            write(tar);
        stream.Position = 0;
        return stream;
    }

    private static PaxTarEntry Entry(string name, string content, UnixFileMode? mode = null) =>
        new(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            Mode = mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite),
        };

    private static PaxTarEntry Link(string name, string target) =>
        new(TarEntryType.SymbolicLink, name) { LinkName = target };

    /// <summary>An upload as a request body gives it: read once, front to back.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    public void Dispose() => Directory.Delete(_workspace, recursive: true);
}
