using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Archives made in memory for upload tests: tar.gz with any entry (links, devices, '..'), and zip.</summary>
public static class TestArchives
{
    public static byte[] TarGz(params (string Name, string Content)[] files) =>
        TarGz(writer =>
        {
            foreach (var (name, content) in files)
                writer.WriteEntry(File(name, content));
        });

    public static byte[] TarGz(Action<TarWriter> write)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            write(tar);
        return stream.ToArray();
    }

    public static byte[] Zip(params (string Name, string Content)[] files)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(content);
            }
        }
        return stream.ToArray();
    }

    public static PaxTarEntry File(string name, string content) =>
        new(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };

    public static PaxTarEntry Link(string name, string target) =>
        new(TarEntryType.SymbolicLink, name) { LinkName = target };

    /// <summary>A static site: what the inspector proposes the static recipe for.</summary>
    public static byte[] Site() => TarGz(("site/index.html", "<h1>hello</h1>\n"));

    /// <summary>Uploads that are refused, each with the words of its refusal.</summary>
    public static TheoryData<string, string> Refused() =>
        new()
        {
            { "not-an-archive", "neither a zip nor a tar.gz" },
            { "climbing", "climbs out of the archive" },
            { "link-out", "outside the archive" },
            { "absolute", "absolute path" },
            { "no-recipe", "No recipe fits" },
        };

    public static byte[] RefusedArchive(string kind) =>
        kind switch
        {
            "not-an-archive" => Encoding.UTF8.GetBytes("just some text, not an archive\n"),
            "climbing" => TarGz(("index.html", "<h1/>"), ("../escape.txt", "out")),
            "link-out" => TarGz(writer =>
            {
                writer.WriteEntry(File("index.html", "<h1/>"));
                writer.WriteEntry(Link("passwd", "../../../../etc/passwd"));
            }),
            "absolute" => TarGz(("index.html", "<h1/>"), ("/etc/cron.d/evil", "* * * * * root true")),
            "no-recipe" => TarGz(("notes.txt", "nothing to build here")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
}
