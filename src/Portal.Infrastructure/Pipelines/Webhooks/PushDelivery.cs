using System.Text.Json;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Pipelines.Webhooks;

/// <summary>
/// A push as a Git host reports it: the full ref (<c>refs/heads/main</c>, <c>refs/tags/v1</c>), whether it is a branch
/// or a tag (null for any other ref), its short name, the commit it points to now, who pushed, and whether the push
/// deleted the ref.
/// </summary>
public sealed record PushDelivery(string Ref, GitRefKind? RefKind, string Name, string? Sha, string By, bool Deleted)
{
    private const string Branches = "refs/heads/";
    private const string Tags = "refs/tags/";

    /// <summary>What a host writes as the new commit of a deleted ref.</summary>
    public const string NoCommit = "0000000000000000000000000000000000000000";

    public static PushDelivery Of(string gitRef, string? sha, string? by, bool deleted)
    {
        var (kind, name) =
            gitRef.StartsWith(Branches, StringComparison.Ordinal) ? (GitRefKind.Branch, gitRef[Branches.Length..])
            : gitRef.StartsWith(Tags, StringComparison.Ordinal) ? (GitRefKind.Tag, gitRef[Tags.Length..])
            : ((GitRefKind?)null, gitRef);
        var gone = deleted || sha is null or NoCommit;
        return new PushDelivery(gitRef, kind, name, gone ? null : sha, by is { Length: > 0 } ? by : "unknown", gone);
    }

    /// <summary>A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories).</summary>
    public static bool IsCommitId(string sha) => sha.Length is 40 or 64 && sha.All(char.IsAsciiHexDigit);

    /// <summary>The payload as a JSON object, or the problem of a body that is none.</summary>
    public static Result<JsonDocument> Json(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return Problem.Invalid("body", "The payload is not JSON.");
        }
        if (document.RootElement.ValueKind == JsonValueKind.Object)
            return document;
        document.Dispose();
        return Problem.Invalid("body", "The payload is not a JSON object.");
    }

    /// <summary>A string property, or null when it is missing or not a string.</summary>
    public static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                return null;
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    public static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
