using System.Globalization;

namespace Portal.Infrastructure.Clouds.Providers.VSphere;

/// <summary>
/// vSphere has no instance types: the sizes an account offers are read from its <see cref="VSphereFields.Sizes"/>
/// setting (<c>small=2x4096,medium=4x8192</c>), and a template may also write a size as <c>CPUsxMiB</c>.
/// </summary>
public static class VSphereSizes
{
    public static IReadOnlyList<CloudInstanceType> Of(CloudAccess access)
    {
        var sizes = new List<CloudInstanceType>();
        foreach (var entry in access.Setting(VSphereFields.Sizes).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var shape = equals > 0 ? Shape(entry[(equals + 1)..]) : null;
            if (shape is null)
                throw new CloudRefusal(
                    CloudRefusalKind.Invalid,
                    $"The size '{entry.Trim()}' is not written as name=CPUsxMiB, such as small=2x4096."
                );
            sizes.Add(new CloudInstanceType(entry[..equals].Trim(), shape.Value.Cpus, shape.Value.MemoryMiB));
        }
        return sizes;
    }

    /// <summary>The size a template asks for: one of the account's by name, or CPUsxMiB.</summary>
    public static CloudInstanceType Resolve(CloudAccess access, string name)
    {
        var sizes = Of(access);
        var named = sizes.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
        if (named is not null)
            return named;
        if (Shape(name) is { } shape)
            return new CloudInstanceType(name, shape.Cpus, shape.MemoryMiB);
        throw new CloudRefusal(
            CloudRefusalKind.Invalid,
            sizes.Count == 0
                ? $"The size '{name}' is not written as CPUsxMiB, such as 2x4096."
                : $"The size '{name}' is not one of the account's ({string.Join(", ", sizes.Select(s => s.Name))})."
        );
    }

    private static (int Cpus, int MemoryMiB)? Shape(string text)
    {
        var parts = text.Trim().Split('x');
        return
            parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var cpus)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var memory)
            && cpus > 0
            && memory > 0
            ? (cpus, memory)
            : null;
    }
}
