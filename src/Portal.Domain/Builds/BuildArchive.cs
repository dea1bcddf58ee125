using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// An archive (zip or tar.gz) uploaded as a one-off source: its file name as uploaded (the folders taken away), its
/// size and its SHA-256, by which its image is tagged. The archive itself is kept only until its build ends.
/// </summary>
public sealed partial record BuildArchive
{
    public const int FileNameMaxLength = 255;
    public const string Field = "Archive";

    public string FileName { get; }
    public long SizeBytes { get; }

    /// <summary>The SHA-256 of the archive's bytes, 64 lowercase hexadecimal digits.</summary>
    public string Sha256 { get; }

    private BuildArchive(string fileName, long sizeBytes, string sha256)
    {
        FileName = fileName;
        SizeBytes = sizeBytes;
        Sha256 = sha256;
    }

    /// <summary>
    /// The archive as recorded: a file name with its folders and control characters taken away and cut to 255
    /// characters ("archive" when nothing is left), a size above zero, a SHA-256 in hexadecimal.
    /// </summary>
    public static Result<BuildArchive> Of(string? fileName, long sizeBytes, string? sha256)
    {
        if (sizeBytes <= 0)
            return Problem.Invalid(Field, "The archive is empty: upload a zip or a tar.gz file.");
        if (sha256 is null || !Sha256Pattern().IsMatch(sha256))
            throw new ArgumentException($"'{sha256}' is not a SHA-256 in hexadecimal.", nameof(sha256));
        var name = new string(
            (fileName ?? "").Replace('\\', '/').Split('/')[^1].Where(c => !char.IsControl(c)).ToArray()
        ).Trim();
        if (name.Length == 0 || name is "." or "..")
            name = "archive";
        if (name.Length > FileNameMaxLength)
            name = name[..FileNameMaxLength];
        return new BuildArchive(name, sizeBytes, sha256.ToLowerInvariant());
    }

    /// <summary>The tag its image is pushed under: <c>archive-</c> and the first 12 digits of the SHA-256.</summary>
    public string ImageTag => $"archive-{Sha256[..ImageTags.ShortShaLength]}";

    [GeneratedRegex("\\A[0-9a-fA-F]{64}\\z")]
    private static partial Regex Sha256Pattern();
}
