using System.Globalization;

namespace Portal.Domain.Builds;

/// <summary>
/// A recipe and the values to build with, every one checked (<see cref="Recipe.Choose"/>): each parameter of the
/// recipe has an entry, "" for an optional one left empty. Saved with a build so that it can be rendered again.
/// </summary>
public sealed record RecipeChoice(string Recipe, IReadOnlyDictionary<string, string> Values)
{
    /// <summary>The port the application listens on, which its spec exposes.</summary>
    public int Port => int.Parse(Values[Builds.Recipe.PortParameter], CultureInfo.InvariantCulture);

    /// <summary>The value of <paramref name="parameter"/>, or null when it was left empty.</summary>
    public string? Value(string parameter) =>
        Values.TryGetValue(parameter, out var value) && value.Length > 0 ? value : null;
}
