using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Applications;

/// <summary>
/// A container image reference as Docker and Kubernetes read it: "[registry[:port]/]repository[:tag][@sha256:digest]".
/// "nginx:1.27" is <c>docker.io/library/nginx</c> at tag 1.27; without tag or digest the runtime pulls "latest".
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultRegistry = "docker.io";
    public const int NameMaxLength = 255;
    private const string Example = "write it like 'nginx:1.27' or 'registry.example.com:5000/team/api:2.3.1'";

    /// <summary>The reference as written; this is what goes into the pod spec.</summary>
    public string Value { get; }
    public string Registry { get; }
    public string Repository { get; }
    public string? Tag { get; }
    public string? Digest { get; }

    private ImageReference(string value, string registry, string repository, string? tag, string? digest)
    {
        Value = value;
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>
    /// What is running, short enough for the <c>app.kubernetes.io/version</c> label: the tag (cut to 63 characters
    /// and to the letters and digits a label value must start and end with), else "sha256-" and the first 12 digits
    /// of the digest, else "latest".
    /// </summary>
    public string Version
    {
        get
        {
            var tag = Tag is null
                ? ""
                : Tag[..Math.Min(Tag.Length, KubernetesSyntax.LabelMaxLength)].Trim('_', '.', '-');
            if (tag.Length > 0)
                return tag;
            return Digest is null ? "latest" : $"sha256-{Digest["sha256:".Length..][..12]}";
        }
    }

    public static Result<ImageReference> Parse(string? text, string field = "Image")
    {
        if (string.IsNullOrWhiteSpace(text))
            return Problem.Invalid(field, $"An image is required; {Example}.");
        if (text.Any(char.IsWhiteSpace))
            return Problem.Invalid(field, $"Image '{text}' contains a space; {Example}.");

        var rest = text;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest))
                return Problem.Invalid(
                    field,
                    $"'{digest}' in image '{text}' is not a digest: write 'sha256:' and 64 "
                        + "lowercase hexadecimal digits."
                );
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                return Problem.Invalid(
                    field,
                    $"'{tag}' in image '{text}' is not a valid tag: use up to 128 letters, "
                        + "digits, '_', '.' and '-', not starting with '.' or '-'."
                );
            }
        }

        if (rest.Length == 0)
            return Problem.Invalid(field, $"Image '{text}' has no repository; {Example}.");
        if (rest.Length > NameMaxLength)
            return Problem.Invalid(
                field,
                $"The repository of image '{Shorten(text)}' is longer than {NameMaxLength} characters."
            );

        var registry = DefaultRegistry;
        var path = rest;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && IsRegistry(rest[..slash]))
        {
            registry = rest[..slash];
            path = rest[(slash + 1)..];
            if (!RegistryPattern().IsMatch(registry))
                return Problem.Invalid(
                    field,
                    $"'{registry}' in image '{text}' is not a registry host: write a host "
                        + "name with an optional port, like 'registry.example.com:5000'."
                );
        }

        var components = path.Split('/');
        if (components.Any(c => c.Length == 0))
            return Problem.Invalid(
                field,
                $"Image '{text}' has an empty path component ('//' or a '/' at either end); {Example}."
            );
        foreach (var component in components)
        {
            if (PathComponentPattern().IsMatch(component))
                continue;
            if (PathComponentPattern().IsMatch(component.ToLowerInvariant()))
                return Problem.Invalid(
                    field,
                    $"Repository names are lowercase: write '{path.ToLowerInvariant()}' rather than '{path}'."
                );
            return Problem.Invalid(
                field,
                $"'{component}' in image '{text}' is not a valid repository name: use "
                    + "lowercase letters and digits, separated by '.', '_', '__' or dashes."
            );
        }
        if (registry == DefaultRegistry && components.Length == 1)
            path = $"library/{path}";

        return new ImageReference(text, registry, path, tag, digest);
    }

    public override string ToString() => Value;

    /// <summary>
    /// Docker's rule: the first component names a registry when it looks like a host ("a.b", "host:5000", "localhost").
    /// </summary>
    private static bool IsRegistry(string first) =>
        first.Contains('.', StringComparison.Ordinal)
        || first.Contains(':', StringComparison.Ordinal)
        || first == "localhost"
        || first.Any(char.IsAsciiLetterUpper);

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex("\\Asha256:[a-f0-9]{64}\\z")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("\\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex TagPattern();

    [GeneratedRegex(
        @"\A([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
            + @"(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(:[0-9]{1,5})?\z"
    )]
    private static partial Regex RegistryPattern();

    [GeneratedRegex("\\A[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*\\z")]
    private static partial Regex PathComponentPattern();
}
