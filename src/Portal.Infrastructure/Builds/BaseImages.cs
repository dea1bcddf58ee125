using Portal.Domain.Applications;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>Where the base images of recipes come from.</summary>
public enum BaseImageSource
{
    /// <summary>Well-known public images (eclipse-temurin, node, golang, python, busybox): production.</summary>
    Public,

    /// <summary>The local base images (<see cref="LocalBaseImages"/>) in the portal's registry: embedded.</summary>
    Local,
}

/// <summary>
/// A base image as recipes name it: its reference, where <c>{version}</c> stands for the value of the recipe's version
/// parameter ("node:{version}-bookworm-slim"), the version to propose when none is chosen (null: the recipe's
/// default), and whether that version is the only one there is (a local base image holds one).
/// </summary>
public sealed record BaseImage(string Image, string? Version = null, bool OnlyVersion = false)
{
    public const string VersionPlaceholder = "{version}";

    public bool IsVersioned => Image.Contains(VersionPlaceholder, StringComparison.Ordinal);
}

/// <summary>One base image changed by the settings: its reference, its version, or both.</summary>
public sealed class BaseImageSetting
{
    public string? Image { get; set; }
    public string? Version { get; set; }
}

/// <summary>
/// <c>Portal:Builds:BaseImages</c>: which base images recipes build on (<see cref="Source"/>), the portal's registry
/// for the local ones, and per base image name ("node", "jre"…) an image or version that replaces the source's.
/// </summary>
public sealed class BaseImageOptions
{
    public const string Section = "Portal:Builds:BaseImages";

    /// <summary>
    /// Where recipes' base images come from; unset, <see cref="BaseImageSource.Local"/> when the portal runs its own
    /// registry (the embedded mode, where public registries may be out of reach) and
    /// <see cref="BaseImageSource.Public"/>
    /// otherwise.
    /// </summary>
    public BaseImageSource? Source { get; set; }

    /// <summary>
    /// The portal's registry as images name it (<c>127.0.0.1:5000</c>), for <see cref="BaseImageSource.Local"/>; the
    /// embedded registry sets it when it starts.
    /// </summary>
    public string? Registry { get; set; }

    /// <summary>The local base image file; a relative path starts at the application's folder.</summary>
    public string LocalImagesFile { get; set; } = LocalBaseImages.DefaultFile;

    public Dictionary<string, BaseImageSetting> Images { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A folder of certificate authorities (<c>*.crt</c>, PEM) the local base images trust besides Debian's, as a
    /// proxy that inspects TLS needs; by default the ones this machine added to its own store. Empty for none.
    /// </summary>
    public string TrustedCertificates { get; set; } = "/usr/local/share/ca-certificates";

    /// <summary>What is wrong with the settings, in a sentence; null when nothing is.</summary>
    public string? Invalid()
    {
        if (Source is { } source && !Enum.IsDefined(source))
            return $"{Section}:Source is Public or Local.";
        foreach (var (name, setting) in Images)
        {
            if (!string.IsNullOrEmpty(setting.Image) && !BaseImageSet.IsImage(setting.Image))
                return $"{Section}:Images:{name}:Image '{setting.Image}' is not an image reference.";
        }
        return null;
    }

    /// <summary>The base images these settings stand for.</summary>
    public Result<BaseImageSet> Resolve(string contentRoot)
    {
        var set = BaseImageSet.Public;
        if (Source == BaseImageSource.Local)
        {
            var path = Path.IsPathRooted(LocalImagesFile)
                ? LocalImagesFile
                : Path.Combine(contentRoot, LocalImagesFile);
            var local = LocalBaseImages.Load(path);
            if (!local.Succeeded)
                return local.Problem!;
            set = BaseImageSet.Local(
                local.Value,
                string.IsNullOrWhiteSpace(Registry) ? BaseImageSet.RegistryPlaceholder : Registry
            );
        }
        return set.With(Images);
    }
}

/// <summary>
/// The base images recipes name, each by its name: what <see cref="DockerfileRenderer"/> writes in FROM lines and what
/// <see cref="RecipeCatalog"/> takes a version parameter's default from.
/// </summary>
public sealed class BaseImageSet
{
    /// <summary>Production's defaults: the projects' own images, on Debian bookworm where they offer it.</summary>
    public static readonly BaseImageSet Public = new(
        new Dictionary<string, BaseImage>(StringComparer.Ordinal)
        {
            ["jdk"] = new("eclipse-temurin:{version}-jdk"),
            ["jre"] = new("eclipse-temurin:{version}-jre"),
            ["maven"] = new("maven:3.9-eclipse-temurin-{version}"),
            ["gradle"] = new("gradle:8-jdk{version}"),
            ["node"] = new("node:{version}-bookworm-slim"),
            ["go"] = new("golang:{version}-bookworm"),
            ["debian"] = new("debian:bookworm-slim"),
            ["python"] = new("python:{version}-slim-bookworm"),
            ["busybox"] = new("busybox:1.36"),
        }
    );

    /// <summary>What stands for the portal's registry in a local image while its address is not known.</summary>
    public const string RegistryPlaceholder = "{registry}";

    public IReadOnlyDictionary<string, BaseImage> Images { get; }

    public BaseImageSet(IReadOnlyDictionary<string, BaseImage> images) => Images = images;

    /// <summary>
    /// The local base images in <paramref name="registry"/>, under the names of <see cref="Public"/>: a versioned one
    /// as <c>{registry}/base/{name}:{version}</c>, proposing the version Debian ships (its tag).
    /// </summary>
    public static BaseImageSet Local(LocalBaseImages local, string registry) =>
        new(
            local.Images.ToDictionary(
                image => image.Name,
                image =>
                    Public.Images.GetValueOrDefault(image.Name) is { IsVersioned: true }
                        ? new BaseImage(
                            $"{registry}/{LocalBaseImages.Repository}/{image.Name}:{BaseImage.VersionPlaceholder}",
                            image.Tag,
                            OnlyVersion: true
                        )
                        : new BaseImage(image.Reference(registry)),
                StringComparer.Ordinal
            )
        );

    /// <summary>This set with the settings' images and versions in place of its own.</summary>
    public BaseImageSet With(IReadOnlyDictionary<string, BaseImageSetting> settings)
    {
        var images = new Dictionary<string, BaseImage>(Images, StringComparer.Ordinal);
        foreach (var (name, setting) in settings)
        {
            var current = images.GetValueOrDefault(name);
            var image = string.IsNullOrWhiteSpace(setting.Image) ? current?.Image : setting.Image;
            if (image is null)
                continue;
            // An image of the settings' own may hold any version; only an untouched local one is known to hold one.
            images[name] = string.IsNullOrWhiteSpace(setting.Image)
                ? new BaseImage(
                    image,
                    string.IsNullOrWhiteSpace(setting.Version) ? current?.Version : setting.Version,
                    current?.OnlyVersion == true && string.IsNullOrWhiteSpace(setting.Version)
                )
                : new BaseImage(image, string.IsNullOrWhiteSpace(setting.Version) ? current?.Version : setting.Version);
        }
        return new BaseImageSet(images);
    }

    /// <summary>This set with <paramref name="registry"/> where the portal's registry is not known yet.</summary>
    public BaseImageSet WithRegistry(string registry) =>
        new(
            Images.ToDictionary(
                i => i.Key,
                i =>
                    i.Value with
                    {
                        Image = i.Value.Image.Replace(RegistryPlaceholder, registry, StringComparison.Ordinal),
                    },
                StringComparer.Ordinal
            )
        );

    /// <summary>The one version <paramref name="image"/> exists in here, when there is one only (local).</summary>
    public string? OnlyVersion(RecipeImage image) =>
        Images.GetValueOrDefault(image.Base) is { IsVersioned: true, OnlyVersion: true, Version: { } version }
            ? version
            : null;

    /// <summary>The version the set proposes for <paramref name="image"/>, when it proposes one.</summary>
    public string? DefaultVersion(RecipeImage image) =>
        Images.GetValueOrDefault(image.Base) is { IsVersioned: true, Version: { } version } ? version : null;

    /// <summary>
    /// The reference of <paramref name="image"/> for these values: its base image with the version chosen in place of
    /// <c>{version}</c>. A problem on <paramref name="field"/> when the set has no such base image.
    /// </summary>
    public Result<string> Reference(RecipeImage image, RecipeChoice choice, string field)
    {
        if (Images.GetValueOrDefault(image.Base) is not { } found)
            return Problem.Invalid(
                field,
                $"No base image is named '{image.Base}' in the settings ({BaseImageOptions.Section}): "
                    + $"there are {string.Join(", ", Images.Keys.Order(StringComparer.Ordinal))}."
            );
        if (found.Image.Contains(RegistryPlaceholder, StringComparison.Ordinal))
            return Problem.Invalid(
                field,
                $"The base image '{image.Base}' is in the portal's registry, whose address is not known yet "
                    + $"({BaseImageOptions.Section}:Registry)."
            );
        if (!found.IsVersioned)
            return found.Image;
        var version = (image.VersionParameter is { } parameter ? choice.Value(parameter) : null) ?? found.Version;
        if (version is null)
            return Problem.Invalid(field, $"The base image '{image.Base}' ({found.Image}) needs a version.");
        var reference = found.Image.Replace(BaseImage.VersionPlaceholder, version, StringComparison.Ordinal);
        return IsImage(reference)
            ? reference
            : Problem.Invalid(field, $"'{reference}' (base image '{image.Base}') is not an image reference.");
    }

    internal static bool IsImage(string reference) =>
        ImageReference
            .Parse(
                reference
                    .Replace(BaseImage.VersionPlaceholder, "1", StringComparison.Ordinal)
                    .Replace(RegistryPlaceholder, "registry.local", StringComparison.Ordinal)
            )
            .Succeeded;
}
