using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// Where a source's code is: a repository, the branch or tag followed, and the folder of the application in it.
/// </summary>
public sealed record GitSourceAddress(GitRepositoryUrl Url, GitRefName Ref, SourceSubDirectory SubDirectory)
{
    /// <summary>Reads the three fields together, so that a form shows every problem at once.</summary>
    public static Result<GitSourceAddress> Parse(string? url, string? refName, string? subDirectory)
    {
        var parsedUrl = GitRepositoryUrl.Parse(url);
        var parsedRef = GitRefName.Parse(refName);
        var parsedDirectory = SourceSubDirectory.Parse(subDirectory);
        var problems = new[] { parsedUrl.Problem, parsedRef.Problem, parsedDirectory.Problem }
            .OfType<Problem>()
            .ToList();
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new GitSourceAddress(parsedUrl.Value, parsedRef.Value, parsedDirectory.Value);
    }

    /// <summary>What audit entries and lists show: the URL, the ref and the folder, never a credential.</summary>
    public string Summary => $"{Url} @ {Ref}" + (SubDirectory.IsRoot ? "" : $" in {SubDirectory.Value}");
}
