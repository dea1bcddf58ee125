using Portal.Domain.Applications;
using Portal.Domain.Common;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// One local base image: a Debian root with <see cref="Packages"/> installed, pushed as
/// <c>{registry}/base/{name}:{tag}</c>. Its name is the one recipes use (<c>images: build: {base: node}</c>).
/// </summary>
public sealed record LocalBaseImage(string Name, string Tag, IReadOnlyList<string> Packages, string Description = "")
{
    /// <summary>Where the image is in the portal's registry (<c>host:port</c>).</summary>
    public string Reference(string registry) => $"{registry}/{LocalBaseImages.Repository}/{Name}:{Tag}";
}

/// <summary>
/// The local base images of the embedded mode, as data (<c>catalog/base-images/bookworm.yaml</c>): the Debian suite
/// whose root <c>mmdebstrap</c> makes, and per image the packages installed into it. Whoever makes the images reads
/// this; <see cref="BaseImageSet.Local"/> names them for recipes.
/// </summary>
public sealed record LocalBaseImages(string Suite, IReadOnlyList<LocalBaseImage> Images)
{
    /// <summary>The repository folder the images are pushed under, in the portal's registry.</summary>
    public const string Repository = "base";

    /// <summary>Where the file is, relative to the application's folder (copied there with the catalog).</summary>
    public const string DefaultFile = "catalog/base-images/bookworm.yaml";

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public LocalBaseImage? Find(string name) => Images.FirstOrDefault(i => i.Name == name);

    public static Result<LocalBaseImages> Load(string path) =>
        File.Exists(path)
            ? Parse(Path.GetFileName(path), File.ReadAllText(path))
            : Problem.NotFound($"The local base image file '{path}'");

    /// <summary>The file's text; every problem names the file.</summary>
    public static Result<LocalBaseImages> Parse(string fileName, string yaml)
    {
        ImagesFile file;
        try
        {
            file = Deserializer.Deserialize<ImagesFile?>(yaml) ?? new ImagesFile();
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Trim();
            return Problem.Invalid(fileName, $"{fileName}, line {e.Start.Line}: {reason}");
        }
        var problems = new List<Problem>();
        if (string.IsNullOrWhiteSpace(file.Suite) || !IsName(file.Suite))
            problems.Add(Problem.Invalid($"{fileName}:Suite", $"{fileName}: name the Debian suite, like bookworm."));
        var images = new List<LocalBaseImage>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (image, i) in (file.Images ?? []).Select((image, i) => (image, i)))
        {
            var field = $"{fileName}:Images[{i}]";
            var name = image.Name ?? "";
            if (!IsName(name) || !names.Add(name))
                problems.Add(Problem.Invalid($"{field}.Name", $"{fileName}: '{name}' is not a new image name."));
            var reference = ImageReference.Parse($"registry.local/{Repository}/{name}:{image.Tag}", $"{field}.Tag");
            if (!reference.Succeeded || string.IsNullOrEmpty(image.Tag))
                problems.Add(Problem.Invalid($"{field}.Tag", $"{fileName}: '{image.Tag}' is not an image tag."));
            var packages = image.Packages ?? [];
            if (packages.Count == 0 || packages.Any(p => !IsPackageName(p)))
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Packages",
                        $"{fileName}: '{name}' lists no packages, or a name Debian does not allow."
                    )
                );
            images.Add(new LocalBaseImage(name, image.Tag ?? "", packages, image.Description?.Trim() ?? ""));
        }
        if (images.Count == 0)
            problems.Add(Problem.Invalid($"{fileName}:Images", $"{fileName}: list the local base images."));
        return problems.Count > 0 ? Problem.Invalid(problems) : new LocalBaseImages(file.Suite!, images);
    }

    /// <summary>Debian's package names: lowercase letters, digits and '+-.', a letter or digit first.</summary>
    private static bool IsPackageName(string name) =>
        name.Length >= 2
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '+' or '-' or '.');

    private static bool IsName(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private sealed class ImagesFile
    {
        public string? Suite { get; set; }
        public List<ImageFile>? Images { get; set; }
    }

    private sealed class ImageFile
    {
        public string? Name { get; set; }
        public string? Tag { get; set; }
        public List<string>? Packages { get; set; }
        public string? Description { get; set; }
    }
}
