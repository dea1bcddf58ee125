using Portal.Domain.Common;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Portal.Infrastructure.Common;

/// <summary>
/// The one way a catalog folder's YAML file (a middleware template, a build recipe) is read: its text deserialized,
/// a syntax error named with the file and line, and the name it declares checked against the file's name.
/// </summary>
internal static class CatalogFile
{
    public static Result<T> Read<T>(IDeserializer deserializer, string fileName, string yaml)
        where T : class, new()
    {
        try
        {
            return deserializer.Deserialize<T?>(yaml) ?? new T();
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Trim();
            return Problem.Invalid(fileName, $"{fileName}, line {e.Start.Line}: {reason}");
        }
    }
}
