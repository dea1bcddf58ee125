using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// A portal taking archives of at most 64 KiB, whose build storage (and so its kept archives) is a folder of the test.
/// No job server runs: a queued build stays queued with its archive kept.
/// </summary>
public sealed class UploadPortal : IAsyncLifetime
{
    public const long Limit = 64 * 1024;

    public DirectoryInfo Storage { get; } = Directory.CreateTempSubdirectory("portal-web-uploads-");

    public PortalFactory Factory { get; private set; } = null!;

    public string ArchivesFolder => Path.Combine(Storage.FullName, "archives");

    /// <summary>The files under the archives folder: kept archives, and anything a refusal would have left.</summary>
    public string[] StoredFiles() =>
        Directory.Exists(ArchivesFolder) ? Directory.GetFileSystemEntries(ArchivesFolder) : [];

    public Task InitializeAsync()
    {
        Factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Builds:Archives:MaxArchiveBytes"] = Limit.ToString(),
                ["Portal:Builds:Buildah:StorageDirectory"] = Storage.FullName,
            }
        );
        _ = Factory.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        Storage.Delete(recursive: true);
    }

    public static byte[] TarGz(params (string Name, string Content)[] files) =>
        TarGz(writer =>
        {
            foreach (var (name, content) in files)
                writer.WriteEntry(
                    new PaxTarEntry(TarEntryType.RegularFile, name)
                    {
                        DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    }
                );
        });

    public static byte[] TarGz(Action<TarWriter> write)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            write(tar);
        return stream.ToArray();
    }

    public static byte[] Site() => TarGz(("index.html", "<h1>hello</h1>"));

    /// <summary>Archives refused by the check before queueing, with the words of their refusal.</summary>
    public static TheoryData<string, string> Refused() =>
        new()
        {
            { "not-an-archive", "neither a zip nor a tar.gz" },
            { "climbing", "climbs out of the archive" },
            { "link-out", "outside the archive" },
        };

    public static byte[] RefusedArchive(string kind) =>
        kind switch
        {
            "not-an-archive" => Encoding.UTF8.GetBytes("just text"),
            "climbing" => TarGz(("index.html", "<h1/>"), ("../../escape.txt", "out")),
            "link-out" => TarGz(writer =>
            {
                writer.WriteEntry(
                    new PaxTarEntry(TarEntryType.RegularFile, "index.html")
                    {
                        DataStream = new MemoryStream("<h1/>"u8.ToArray()),
                    }
                );
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "key") { LinkName = "/etc/shadow" });
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

    public static MultipartFormDataContent Form(byte[] archive, string fileName = "site.tar.gz", string? recipe = null)
    {
        var file = new ByteArrayContent(archive);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        var form = new MultipartFormDataContent { { file, "archive", fileName } };
        if (recipe is not null)
            form.Add(new StringContent(recipe), "recipe");
        return form;
    }
}

/// <summary>
/// A request body of <paramref name="length"/> zero bytes made as it is read, as a client streaming a huge file; it
/// counts how much the server read.
/// </summary>
public sealed class ZerosContent(long? length) : HttpContent
{
    public long Sent { get; private set; }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        var buffer = new byte[64 * 1024];
        while (length is null || Sent < length)
        {
            var count = (int)Math.Min(buffer.Length, (length ?? long.MaxValue) - Sent);
            await stream.WriteAsync(buffer.AsMemory(0, count));
            Sent += count;
        }
    }

    protected override bool TryComputeLength(out long computed)
    {
        computed = length ?? 0;
        return length is not null;
    }
}
