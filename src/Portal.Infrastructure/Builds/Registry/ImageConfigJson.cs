using System.Globalization;
using System.Text.Json;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// Reads an OCI image config (<c>{"created": …, "config": {"ExposedPorts": …, "User": …}}</c>), as the registry
/// stores it and as <c>buildah inspect</c> shows it under "OCIv1".
/// </summary>
public static class ImageConfigJson
{
    public static ImageFacts Facts(JsonElement image)
    {
        var config = image.ValueKind == JsonValueKind.Object && image.TryGetProperty("config", out var c) ? c : default;
        var created =
            Text(image, "created") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                ? at
                : (DateTimeOffset?)null;
        return new ImageFacts(
            Keys(config, "ExposedPorts"),
            Text(config, "User"),
            Strings(config, "Entrypoint"),
            Strings(config, "Cmd"),
            Text(config, "WorkingDir"),
            created
        );
    }

    private static string? Text(JsonElement config, string name) =>
        config.ValueKind == JsonValueKind.Object
        && config.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
        && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    private static IReadOnlyList<string> Strings(JsonElement config, string name) =>
        config.ValueKind == JsonValueKind.Object
        && config.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
            : [];

    private static IReadOnlyList<string> Keys(JsonElement config, string name) =>
        config.ValueKind == JsonValueKind.Object
        && config.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Object
            ? value.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList()
            : [];
}
